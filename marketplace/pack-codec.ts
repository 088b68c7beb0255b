import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { create as createDigest } from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { type Rejected, type RejectReason, reject } from './errors.js';
import { createPack, PACK_LIMITS, type Pack, PackError, PackErrorCode } from './pack.js';
import { encodePack, type PackContent } from './pack-id.js';

/**
 * Transfer bytes are exactly the bytes the content id hashes (pack-id.ts's deterministic
 * encoding), so "the bytes hash to the announced id" is checked on what arrived, before parsing.
 * JSON escaping can grow text up to 6x; 4x createPack's total keeps any real pack under the cap.
 */
export const MAX_PACK_WIRE_BYTES = 4 * PACK_LIMITS.maxPackBytes;

/** Template paths that are safe to write under a folder: relative, plain segments, no `..`. */
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(?:\/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,7}$/;
const MAX_PATH = 200;

export interface DecodeOptions {
  /** recorded as the pack's origin, e.g. `peer:<id>` (default 'network') */
  origin?: string;
  /** default MAX_PACK_WIRE_BYTES */
  maxBytes?: number;
}

export type Decoded = { ok: true; pack: Pack; cid: string } | Rejected;

/** A pack's transfer bytes: deterministic, whatever order its templates were read in. */
export function packToBytes(pack: PackContent): Uint8Array {
  return encodePack({ manifest: pack.manifest, templates: pack.templates });
}

/** The content id of transfer bytes: CIDv1, raw codec, sha-256 (equals packCid of the decoded pack). */
export function cidOfBytes(bytes: Uint8Array): CID {
  return CID.createV1(raw.code, createDigest(sha256.code, createHash('sha256').update(bytes).digest()));
}

/**
 * Bytes from a peer back to a Pack, through createPack's schema and limits. Never throws: anything
 * malformed, oversized, unsafe or non-canonical comes back as a reason.
 */
export function packFromBytes(bytes: unknown, options: DecodeOptions = {}): Decoded {
  try {
    return decode(bytes, options);
  } catch (e) {
    // a stack overflow on hostile nesting, or anything not foreseen: still a verdict, not a crash
    return reject('malformed', `could not decode the pack: ${clip((e as Error)?.message ?? String(e))}`);
  }
}

function decode(bytes: unknown, options: DecodeOptions): Decoded {
  const maxBytes = options.maxBytes ?? MAX_PACK_WIRE_BYTES;
  if (!(bytes instanceof Uint8Array)) return reject('malformed', 'pack bytes must be a Uint8Array');
  if (bytes.byteLength > maxBytes)
    return reject('too-large', `pack is ${bytes.byteLength} bytes, the limit is ${maxBytes}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return reject('malformed', 'pack bytes are not valid UTF-8');
  }
  if (nestingDepth(text) > MAX_DEPTH)
    return reject('malformed', `pack JSON is nested deeper than ${MAX_DEPTH}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return reject('malformed', 'pack bytes are not JSON');
  }
  if (!isPlainObject(data) || Object.keys(data).sort().join(',') !== 'manifest,templates')
    return reject('malformed', 'a pack is exactly {manifest, templates}');
  if (!isPlainObject(data.manifest)) return reject('malformed', 'manifest must be an object');
  if (!Array.isArray(data.templates))
    return reject('malformed', 'templates must be an array of [path, text]');
  if (data.templates.length > PACK_LIMITS.maxTemplates)
    return reject('too-large', `more than ${PACK_LIMITS.maxTemplates} templates`);

  const templates: Record<string, string> = {};
  for (const entry of data.templates as unknown[]) {
    if (
      !Array.isArray(entry) ||
      entry.length !== 2 ||
      typeof entry[0] !== 'string' ||
      typeof entry[1] !== 'string'
    )
      return reject('malformed', 'each template must be [path, text]');
    const [path, body] = entry as [string, string];
    if (
      path.length > MAX_PATH ||
      !SAFE_PATH.test(path) ||
      path.split('/').some((s) => s === '.' || s === '..')
    )
      return reject(
        'unsafe-path',
        `template path ${JSON.stringify(clip(path, 60))} is not a safe relative path`,
      );
    if (Object.hasOwn(templates, path)) return reject('malformed', `template ${path} appears twice`);
    templates[path] = body;
  }

  let pack: Pack;
  try {
    // JSON is YAML, so the manifest goes through the same parser, schema and limits as a local pack
    pack = createPack(JSON.stringify(data.manifest), templates, options.origin ?? 'network');
  } catch (e) {
    if (e instanceof PackError) return reject(reasonOf(e.code), clip(e.message));
    throw e;
  }
  // createPack checks with `in`, which also finds Object.prototype's names ("constructor")
  for (const f of pack.manifest.files)
    if (!Object.hasOwn(templates, f.template))
      return reject(
        'missing-template',
        `files lists ${clip(f.template, 60)}, which the pack does not contain`,
      );

  // Only the canonical form is accepted: then bytes and packs are one-to-one, and the hash of the
  // bytes is the pack's content id (a pack with defaults left out, extra keys or reordered
  // templates would hash differently from the same pack encoded here).
  const again = packToBytes(pack);
  if (!sameBytes(again, bytes))
    return reject(
      'not-canonical',
      'pack bytes are not in the deterministic encoding (sorted keys, defaults filled)',
    );
  return { ok: true, pack, cid: cidOfBytes(bytes).toString() };
}

function reasonOf(code: PackErrorCode): RejectReason {
  switch (code) {
    case PackErrorCode.TOO_LARGE:
      return 'too-large';
    case PackErrorCode.MISSING_TEMPLATE:
      return 'missing-template';
    case PackErrorCode.INVALID_MANIFEST:
      return 'invalid-manifest';
    default:
      return 'malformed';
  }
}

/** A real manifest nests about 5 deep; hostile nesting is refused before any recursive code sees it. */
const MAX_DEPTH = 32;

/** Deepest bracket nesting of JSON text, skipping strings: one linear pass, no recursion. */
function nestingDepth(json: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Untrusted text in messages is cut short. */
export const clip = (s: string, max = 300) => (s.length > max ? `${s.slice(0, max)}...` : s);
