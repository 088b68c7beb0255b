import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { SemconvError, SemconvErrorCode } from './errors.js';

const run = promisify(execFile);

/**
 * Where a registry comes from, as Weaver's `-r` takes it: a folder, a git repository (a URL ending
 * in `.git`, `git@host:...`, or `file://...`), or an archive (`.tar.gz`, `.tgz`, `.zip`, a path or
 * an http(s) URL), each optionally followed by `@<ref>` (git: a tag or branch) and `[<sub_dir>]`
 * (the registry's folder inside it). Fetched sources go to a temporary folder that `cleanup` removes.
 */
export interface RegistrySource {
  kind: 'folder' | 'git' | 'archive';
  /** the registry folder to load */
  path: string;
  cleanup(): Promise<void>;
}

export interface SourceLimits {
  /** bytes an archive may have, downloaded or unpacked (default 512 MiB) */
  bytes: number;
  /** time for a clone or a download (default 120 s) */
  timeMs: number;
}

export const SOURCE_LIMITS: SourceLimits = { bytes: 512 * 1024 * 1024, timeMs: 120_000 };

interface Spec {
  location: string;
  ref?: string;
  subDir?: string;
}

export function parseSourceSpec(spec: string): Spec {
  let rest = spec.trim();
  let subDir: string | undefined;
  const sub = /\[([^\]]*)\]$/.exec(rest);
  if (sub) {
    subDir = sub[1];
    rest = rest.slice(0, sub.index);
  }
  // @ref after a git URL or archive name (not the user@ of an ssh address)
  const at = /^(.*\.git|file:\/\/.*|https?:\/\/.*)@([^@/]+)$/.exec(rest);
  if (at) return { location: at[1], ref: at[2], ...(subDir ? { subDir } : {}) };
  return { location: rest, ...(subDir ? { subDir } : {}) };
}

const ARCHIVE = /\.(tar\.gz|tgz|zip)$/i;
const isGit = (s: string) =>
  /\.git$/.test(s) || /^git@/.test(s) || /^file:\/\//.test(s) || /^ssh:\/\//.test(s);

export async function openRegistrySource(
  spec: string,
  limits: SourceLimits = SOURCE_LIMITS,
): Promise<RegistrySource> {
  const s = parseSourceSpec(spec);
  const fail = (reason: string) =>
    new SemconvError({ code: SemconvErrorCode.NOT_FOUND, path: spec }, `registry ${spec}: ${reason}`);
  if (!ARCHIVE.test(s.location) && !isGit(s.location) && !/^https?:\/\//.test(s.location)) {
    // a folder (a sub-folder in brackets is allowed here too)
    return {
      kind: 'folder',
      path: s.subDir ? join(s.location, s.subDir) : s.location,
      cleanup: async () => {},
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'weavergen-registry-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    let root: string;
    let kind: RegistrySource['kind'];
    if (ARCHIVE.test(s.location)) {
      kind = 'archive';
      const file = /^https?:\/\//.test(s.location)
        ? await download(s.location, dir, limits)
        : resolve(s.location);
      root = join(dir, 'unpacked');
      await mkdir(root);
      if (/\.zip$/i.test(s.location)) await unzipTo(file, root, limits);
      else {
        let total = 0;
        // loaded when an archive is opened, not with the registry loader every command imports
        const { x: untar } = await import('tar');
        await untar({
          file,
          cwd: root,
          strict: true,
          preservePaths: false,
          // entries past the byte budget are not written; the archive is then refused
          filter: (_p, entry) => {
            total += (entry as { size?: number }).size ?? 0;
            return total <= limits.bytes;
          },
        });
        if (total > limits.bytes) throw new Error(`the archive unpacks to more than ${limits.bytes} bytes`);
      }
    } else if (isGit(s.location)) {
      kind = 'git';
      root = join(dir, 'clone');
      const args = [
        'clone',
        '--quiet',
        '--depth',
        '1',
        ...(s.ref ? ['--branch', s.ref] : []),
        s.location,
        root,
      ];
      await run('git', args, {
        timeout: limits.timeMs,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      }).catch((e: Error & { stderr?: string }) => {
        throw fail(`git clone failed: ${(e.stderr || e.message).trim().split('\n').pop()}`);
      });
    } else throw fail('an http(s) registry must be a git repository (.git) or an archive (.tar.gz, .zip)');
    const path = s.subDir ? join(root, s.subDir) : root;
    if (
      !path.startsWith(root) ||
      !(await stat(path)
        .then((x) => x.isDirectory())
        .catch(() => false))
    )
      throw fail(`no folder ${JSON.stringify(s.subDir ?? '.')} in the ${kind}`);
    return { kind, path, cleanup };
  } catch (e) {
    await cleanup();
    if (e instanceof SemconvError) throw e;
    throw fail((e as Error).message);
  }
}

async function download(url: string, dir: string, limits: SourceLimits): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(limits.timeMs) });
  if (!res.ok || !res.body) throw new Error(`download failed: HTTP ${res.status}`);
  const file = join(dir, /\.zip$/i.test(url) ? 'registry.zip' : 'registry.tar.gz');
  let seen = 0;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  body.on('data', (c: Buffer) => {
    seen += c.length;
    if (seen > limits.bytes) body.destroy(new Error(`the archive is larger than ${limits.bytes} bytes`));
  });
  await pipeline(body, createWriteStream(file));
  return file;
}

/** a zip unpacked with every entry kept inside `root` (no absolute paths, no `..`), within the byte budget */
async function unzipTo(file: string, root: string, limits: SourceLimits): Promise<void> {
  const bytes = await readFile(file);
  if (bytes.length > limits.bytes) throw new Error(`the archive is larger than ${limits.bytes} bytes`);
  let total = 0;
  const { unzipSync } = await import('fflate');
  const entries = unzipSync(new Uint8Array(bytes), {
    filter: (f) => {
      total += f.originalSize;
      if (total > limits.bytes) throw new Error(`the archive unpacks to more than ${limits.bytes} bytes`);
      return true;
    },
  });
  for (const [name, data] of Object.entries(entries)) {
    const target = normalize(join(root, name));
    if (!target.startsWith(root + sep))
      throw new Error(`the archive entry ${JSON.stringify(name)} leaves its folder`);
    if (name.endsWith('/')) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
  }
}
