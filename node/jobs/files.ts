import { lstat, readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { JobsError, JobsErrorCode } from './errors.js';
import type { GenerationRecord } from './types.js';

/** One file a generation wrote: `<language>/<path inside the language folder>`. */
export interface WrittenFile {
  path: string;
  language: string;
  bytes: number;
}

/** The files a generation wrote, as its record lists them (winners of languages that wrote). */
export function writtenFiles(record: GenerationRecord): WrittenFile[] {
  return record.languages.flatMap((l) =>
    l.outDir && l.winner
      ? l.winner.files.map((f) => ({ path: `${l.language}/${f.path}`, language: l.language, bytes: f.bytes }))
      : [],
  );
}

/** Files larger than this are not served (generated sources are far smaller). */
export const MAX_SERVED_BYTES = 32 * 1024 * 1024;

/**
 * The bytes of one written file. Only paths the record lists are served, and only from inside the
 * language's output folder as a regular file: a link or a folder put there since is refused.
 */
export async function readWrittenFile(record: GenerationRecord, path: string): Promise<Buffer> {
  const file = writtenFiles(record).find((f) => f.path === path);
  if (!file)
    throw new JobsError(
      { code: JobsErrorCode.FILE_NOT_FOUND, id: record.id, path },
      `generation ${record.id} wrote no file ${path}; GET /v1/generations/${record.id}/files lists them`,
    );
  const outDir = record.languages.find((l) => l.language === file.language)?.outDir as string;
  const full = join(outDir, path.slice(file.language.length + 1));
  const gone = (why: string) =>
    new JobsError({ code: JobsErrorCode.FILE_GONE, id: record.id, path }, `${path}: ${why}`);
  const st = await lstat(full).catch(() => undefined);
  if (!st) throw gone(`no longer in ${outDir} (removed since the generation wrote it)`);
  if (!st.isFile()) throw gone(`is no longer a regular file in ${outDir}`);
  if (st.size > MAX_SERVED_BYTES) throw gone(`is larger than ${MAX_SERVED_BYTES} bytes`);
  // a folder on the way replaced by a link would lead elsewhere: the real path must stay inside
  const [realDir, realFile] = await Promise.all([realpath(outDir), realpath(full)]);
  const rel = relative(realDir, realFile);
  if (rel.startsWith(`..${sep}`) || rel === '..' || rel.startsWith(sep))
    throw gone(`now leads out of ${outDir}`);
  return readFile(full);
}
