import { bytesMatchCid, cidOfBytes, LIMITS } from '../protocols/index.js';
import { type Rejected, type RejectReason, reject } from './errors.js';
import { createPack, isSafePackPath, PACK_LIMITS, type Pack, PackError, PackErrorCode } from './pack.js';
import { encodePack, type PackContent } from './pack-id.js';

/**
 * The one pack codec, used by publish, gossip, fetch and install. Transfer bytes are exactly the
 * bytes the content id hashes (pack-id.ts's encoding), so "the bytes hash to the announced id" is
 * checked on what arrived, before parsing. The cap is the wire's (protocols LIMITS.packBytes):
 * createPack's 2 MiB of text plus JSON escaping.
 */
export const MAX_PACK_WIRE_BYTES: number = LIMITS.packBytes;

export interface DecodeOptions {
  /** recorded as the pack's origin, e.g. `peer:<id>` (default 'network') */
  origin?: string;
  /** default MAX_PACK_WIRE_BYTES */
  maxBytes?: number;
  /** the content id the bytes must hash to (checked before anything is parsed) */
  cid?: string;
}

export type Decoded = { ok: true; pack: Pack; cid: string } | Rejected;

/** A pack's transfer bytes: deterministic, whatever order its templates were read in. */
export function packToBytes(pack: PackContent): Uint8Array {
  return encodePack({ manifest: pack.manifest, templates: pack.templates });
}

export { bytesMatchCid, cidOfBytes };

/**
 * Bytes from a peer (or from this node's store) back to a Pack, through createPack's schema and
 * limits. Never throws: anything oversized, not matching its content id, malformed, unsafe or
 * non-canonical comes back as a reason.
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
  const maxBytes = Math.min(options.maxBytes ?? MAX_PACK_WIRE_BYTES, MAX_PACK_WIRE_BYTES);
  if (!(bytes instanceof Uint8Array)) return reject('malformed', 'pack bytes must be a Uint8Array');
  if (bytes.byteLength > maxBytes)
    return reject('too-large', `pack is ${bytes.byteLength} bytes, the limit is ${maxBytes}`);
  if (options.cid !== undefined && !bytesMatchCid(bytes, options.cid))
    return reject(
      'cid-mismatch',
      `pack bytes hash to ${cidOfBytes(bytes)}, not to ${clip(String(options.cid), 80)}`,
    );
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
    if (!isSafePackPath(path))
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
  // createPack checks with hasOwn; kept here too, since a Rejected is what peers are charged by
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
  return { ok: true, pack, cid: cidOfBytes(bytes) };
}

function reasonOf(code: PackErrorCode): RejectReason {
  switch (code) {
    case PackErrorCode.TOO_LARGE:
      return 'too-large';
    case PackErrorCode.MISSING_TEMPLATE:
      return 'missing-template';
    case PackErrorCode.INVALID_MANIFEST:
      return 'invalid-manifest';
    case PackErrorCode.UNSAFE_PATH:
      return 'unsafe-path';
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
