import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';

/**
 * Reading files that strangers put in a folder (registries, pattern packs), under one set of rules:
 *
 * - Regular files only. What a path is gets decided by `lstat` (and `realpath` for links) before
 *   anything is opened, so a FIFO, socket or device is never opened: a FIFO would hold a libuv
 *   worker thread until someone writes to it, and /dev/zero never ends.
 * - Symbolic links are followed only when their target, fully resolved, is a regular file inside
 *   the folder being read (its real path). A link that leaves the folder (to /etc/passwd, to
 *   /dev/zero, to the user's own files), a link to a folder, a dangling link and a link loop are
 *   refused with the reason. Links inside the folder are allowed because generated or vendored
 *   registries sometimes share a file that way; folder links are not, so a walk never loops.
 * - Bounded reads: a file is read up to its size limit plus one byte and refused past it, so a file
 *   that grows (or lies about its size) never makes us read more than the limit.
 * - The file is opened with O_NOFOLLOW | O_NONBLOCK and checked again with fstat: if it was swapped
 *   for a link or a FIFO between the check and the open, the open fails or returns at once and the
 *   file is refused rather than read.
 */

/** A path that may be read: the path to open (the entry itself, or a link's resolved target) and its size. */
export interface Readable {
  kind: 'file';
  /** what to open: the entry itself, or for a link its resolved target (inside the folder) */
  target: string;
  size: number;
}

/** Something that is not read, and why (one clause: "is a FIFO", "is a link that leaves the folder"). */
export interface Refused {
  kind: 'refused';
  reason: string;
}

/** A link to a folder: never followed (walks stay inside real folders and cannot loop). */
export interface FolderLink {
  kind: 'folder-link';
}

export type Checked = Readable | Refused | FolderLink;

/** The real path of a folder, for the inside-the-folder test of links. */
export function realFolder(dir: string): Promise<string> {
  return realpath(dir);
}

/** Whether `path` (a real path) lies inside the real folder `rootReal`. */
export function isInside(path: string, rootReal: string): boolean {
  return path === rootReal || path.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
}

/** What a non-regular, non-folder file is, for messages. */
export function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** The reason of a failed file-system call, in words (the errno code kept for the curious). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist (a dangling link, or removed while being read)';
    case 'ELOOP':
      return 'is a link loop (or became a link while being read)';
    case 'EACCES':
    case 'EPERM':
      return `cannot be read: permission denied (${code})`;
    case 'ENOTDIR':
      return 'is a link through something that is not a folder';
    case 'ENAMETOOLONG':
      return 'has a path that is too long';
    default:
      return `cannot be read (${code ?? (e as Error)?.message ?? String(e)})`;
  }
}

/** Why a link's target could not be resolved. */
function linkReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'is a dangling symbolic link (its target does not exist)';
  if (code === 'ELOOP') return 'is a symbolic link loop';
  return `is a symbolic link whose target ${fsReason(e)}`;
}

/**
 * Decides, without opening anything, whether the entry at `path` inside the real folder `rootReal`
 * may be read: see the rules at the top of this file.
 */
export async function checkEntry(path: string, rootReal: string): Promise<Checked> {
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (e) {
    return { kind: 'refused', reason: fsReason(e) };
  }
  if (st.isFile()) return { kind: 'file', target: path, size: st.size };
  if (!st.isSymbolicLink())
    return { kind: 'refused', reason: `is ${kindOf(st)}: only regular files are read` };
  let target: string;
  try {
    target = await realpath(path);
  } catch (e) {
    return { kind: 'refused', reason: linkReason(e) };
  }
  let tst: Stats;
  try {
    tst = await lstat(target);
  } catch (e) {
    return { kind: 'refused', reason: `is a symbolic link whose target ${fsReason(e)}` };
  }
  if (tst.isDirectory()) return { kind: 'folder-link' };
  if (!isInside(target, rootReal))
    return {
      kind: 'refused',
      reason: 'is a symbolic link that leaves the folder: links are followed only to regular files inside it',
    };
  if (!tst.isFile())
    return { kind: 'refused', reason: `is a symbolic link to ${kindOf(tst)}: only regular files are read` };
  return { kind: 'file', target, size: tst.size };
}

/** The text of a file, or why it was not read. */
export type ReadResult =
  | { ok: true; text: string; bytes: number }
  | { ok: false; reason: string; tooLarge?: boolean };

const CHUNK = 64 * 1024;

/** Bytes in words: 4 MiB, 300 KiB, 12 bytes. */
export function sizeText(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/**
 * Reads a file checked by checkEntry (its `target`) as UTF-8, at most `maxBytes` of it: a larger
 * file is refused after reading `maxBytes + 1` bytes at most. Opened with O_NOFOLLOW | O_NONBLOCK
 * and checked again with fstat, so a file swapped for a link or a FIFO since the check is refused.
 */
export async function readBounded(target: string, maxBytes: number): Promise<ReadResult> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, reason: fsReason(e) };
  }
  const tooLarge = (): ReadResult => ({
    ok: false,
    tooLarge: true,
    reason: `is larger than ${sizeText(maxBytes)}, the limit for one file`,
  });
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { ok: false, reason: `is ${kindOf(st)}: only regular files are read` };
    if (st.size > maxBytes) return tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    // the first read asks for the whole file and one byte more, so a regular file takes two reads
    let want = Math.min(st.size + 1, maxBytes + 1);
    for (;;) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return tooLarge();
      want = Math.min(CHUNK, maxBytes + 1 - total);
    }
    return { ok: true, text: Buffer.concat(chunks, total).toString('utf8'), bytes: total };
  } catch (e) {
    return { ok: false, reason: fsReason(e) };
  } finally {
    await fh.close().catch(() => undefined);
  }
}
