import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Context, Tracer } from '@opentelemetry/api';
import type { GeneratedFile } from '../generation/index.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';
import { checkOut, type OutputPolicy, realOf, within } from './check-request.js';
import { JobsError, JobsErrorCode } from './errors.js';

// a fresh file (O_EXCL, O_NOFOLLOW) renamed into place: a link or hard link planted where a
// generated file goes is replaced, never written through, even if planted after the checks
const FRESH = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes a language's winning files under `<out>/<language>/` as a `weavergen.output` span; returns
 * the folder. The request's `out` was checked when it was submitted, but the folder can change
 * while the job waits (swapped for a link, a link planted inside it), so it is checked again here
 * against the node's output policy, every file's real folder must stay inside the language folder,
 * and files are opened without following a link.
 */
export async function writeOutput(
  tracer: Tracer,
  language: string,
  files: GeneratedFile[],
  out: string,
  parent: Context,
  attributes: Record<string, string | number | boolean>,
  outputs?: OutputPolicy,
): Promise<string> {
  const span = tracer.startSpan(
    SPAN.output,
    {
      attributes: {
        ...attributes,
        [ATTR.files]: files.length,
        [ATTR.bytes]: files.reduce((n, f) => n + f.content.length, 0),
      },
    },
    parent,
  );
  const bad = (why: string) =>
    new JobsError({ code: JobsErrorCode.BAD_OUT, out }, `cannot write the output to ${out}: ${why}`);
  try {
    const dir = resolve(out, language);
    if (outputs) await checkOut(dir, outputs);
    await mkdir(dir, { recursive: true });
    // the language folder as it is now (a link resolved), checked again once it exists
    const real = await realpath(dir);
    if (outputs) await checkOut(real, outputs);
    const inside = async (folder: string) => {
      if (!within(await realOf(folder), real)) throw bad(`${folder} leads outside ${dir} (a link)`);
    };
    for (const f of files) {
      const full = join(dir, f.path);
      // checked before mkdir too, so a linked subfolder does not get folders made outside
      await inside(dirname(full));
      await mkdir(dirname(full), { recursive: true });
      const folder = await realpath(dirname(full));
      await inside(folder);
      const target = join(folder, basename(full));
      const st = await lstat(target).catch(() => undefined);
      if (st?.isSymbolicLink()) throw bad(`${full} is a link; generated files are not written through links`);
      if (st?.isDirectory()) throw bad(`${full} is a folder`);
      const temp = join(folder, `.${basename(full)}.${randomBytes(6).toString('hex')}.tmp`);
      const handle = await open(temp, FRESH, 0o666);
      try {
        await handle.writeFile(f.content);
        await handle.close();
        await rename(temp, target);
      } catch (e) {
        await handle.close().catch(() => {});
        await rm(temp, { force: true });
        throw e;
      }
    }
    return dir;
  } finally {
    span.end();
  }
}
