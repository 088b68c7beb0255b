import { encodePack, packCid } from '../../marketplace/pack-id.js';
import { bytesMatchCid, LIMITS } from '../../protocols/index.js';
import { createPack, type Pack } from '../packs/index.js';
import { NetworkError, NetworkErrorCode, type PackRejectReason } from './errors.js';

/** A pack as it travels: its deterministic encoding and the content id of those bytes. */
export interface PackBytes {
  cid: string;
  bytes: Uint8Array;
}

export function packToBytes(pack: Pack): PackBytes {
  const content = { manifest: pack.manifest, templates: pack.templates };
  return { cid: packCid(content), bytes: encodePack(content) };
}

export type { PackRejectReason } from './errors.js';

/** Bytes that are not the pack they claim to be: a NetworkError PACK_REJECTED with the reason. */
const rejected = (reason: PackRejectReason, message: string) =>
  new NetworkError({ code: NetworkErrorCode.PACK_REJECTED, reason }, message);

const SAFE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-][A-Za-z0-9._/-]{0,199}$/;

/**
 * Bytes from a peer to a Pack, trusting nothing: the size, the hash against the content id, the
 * encoding's shape, the manifest and limits (node/packs' createPack), and that re-encoding the
 * parsed pack gives back the same content id (so what is installed is exactly what was hashed).
 */
export function packFromBytes(bytes: Uint8Array, cid: string, origin: string): Pack {
  if (bytes.byteLength > LIMITS.packBytes)
    throw rejected('oversized', `${bytes.byteLength} bytes > ${LIMITS.packBytes}`);
  if (!bytesMatchCid(bytes, cid)) throw rejected('cid-mismatch', `bytes do not hash to ${cid}`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw rejected('malformed', 'not UTF-8 JSON');
  }
  const d = decoded as { manifest?: unknown; templates?: unknown };
  if (
    !d ||
    typeof d !== 'object' ||
    Array.isArray(d) ||
    Object.keys(d).sort().join(',') !== 'manifest,templates' ||
    !d.manifest ||
    typeof d.manifest !== 'object' ||
    !Array.isArray(d.templates)
  )
    throw rejected('malformed', 'expected {manifest, templates: [[path, text], ...]}');
  const templates: Record<string, string> = Object.create(null);
  for (const t of d.templates) {
    if (!Array.isArray(t) || t.length !== 2 || typeof t[0] !== 'string' || typeof t[1] !== 'string')
      throw rejected('malformed', 'a template is not a [path, text] pair');
    if (!SAFE_PATH.test(t[0])) throw rejected('invalid-pack', `unsafe template path ${JSON.stringify(t[0])}`);
    if (t[0] in templates) throw rejected('malformed', `template ${t[0]} twice`);
    templates[t[0]] = t[1];
  }
  let pack: Pack;
  try {
    pack = createPack(JSON.stringify(d.manifest), { ...templates }, origin);
  } catch (e) {
    throw rejected('invalid-pack', (e as Error).message);
  }
  if (packCid({ manifest: pack.manifest, templates: pack.templates }) !== cid)
    throw rejected('not-canonical', 'the parsed pack does not re-encode to its content id');
  return pack;
}
