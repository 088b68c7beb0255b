import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes a registry (file name -> YAML text) into a fresh temp folder and returns the folder. */
export async function writeRegistry(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weavergen-test-registry-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Joins lines so that the line numbers asserted in a test are the ones in its source. */
export const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

export const REAL_REGISTRY = join(process.cwd(), '..', 'shared', 'semconv', 'v1.44.0', 'model');
