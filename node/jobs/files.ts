import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobsError, JobsErrorCode } from './errors.js';
import type { GenerationRecord } from './types.js';

/** One file a generation wrote: `<language>/<path inside the language folder>`. */
export interface WrittenFile {
  path: string;
  language: string;
  bytes: number;
  sha256?: string;
}

/** The files a generation wrote, as its record lists them (winners of languages that wrote). */
export function writtenFiles(record: GenerationRecord): WrittenFile[] {
  return record.languages.flatMap((l) =>
    l.outDir && l.winner
      ? l.winner.files.map((f) => ({ ...f, path: `${l.language}/${f.path}`, language: l.language }))
      : [],
  );
}

/**
 * The bytes of one written file. Only paths the record lists are served, and only when the file
 * there still holds exactly the bytes the generation wrote (size and sha-256): a file, a folder or
 * the output folder itself replaced since (a link, a hard link, an edit) is refused as gone, so the
 * route never returns anything but generated code.
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
  // a FIFO or device would block the read; a link or a different size is not what was written
  if (!st.isFile() || st.size !== file.bytes)
    throw gone(`changed in ${outDir} since the generation wrote it`);
  const bytes = await readFile(full);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (file.sha256 ? sha256 !== file.sha256 : bytes.length !== file.bytes)
    throw gone(`changed in ${outDir} since the generation wrote it`);
  return bytes;
}
