import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Context, Tracer } from '@opentelemetry/api';
import type { GeneratedFile } from '../generation/index.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';

/** Writes a language's winning files under `<out>/<language>/` as a `weavergen.output` span; returns the folder. */
export async function writeOutput(
  tracer: Tracer,
  language: string,
  files: GeneratedFile[],
  out: string,
  parent: Context,
  attributes: Record<string, string | number | boolean>,
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
  try {
    const dir = resolve(out, language);
    for (const f of files) {
      const full = join(dir, f.path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, f.content);
    }
    return dir;
  } finally {
    span.end();
  }
}
