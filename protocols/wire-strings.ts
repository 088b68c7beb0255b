import { peerIdFromString } from '@libp2p/peer-id';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';

/**
 * The string forms the wire carries, checked strictly. Receiving is a little more lenient than
 * sending (a newer node may know a language this one does not); the anonymizer only ever sends the
 * known values (see anonymizer.ts).
 */

/** Context key on the wire: `language|generator|size|eXtXdXmX`, coarse fields only (DESIGN.md). */
export const CONTEXT_KEY_RE =
  /^[a-z][a-z0-9]{0,15}\|[a-z][a-z0-9]{0,15}\|(?:xs|s|m|l|xl)\|e[01]t[01]d[01]m[01]$/;

/** Model ids on the wire: provider-ish ids like `builtin` or `ollama:llama3.1:8b`, no spaces or slashes. */
export const MODEL_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;
export const PARAMS_HASH_RE = /^[0-9a-f]{12}$/;
/** base58btc, the canonical string form of Ed25519 and secp256k1 peer ids */
const PEER_ID_RE = /^[1-9A-HJ-NP-Za-km-z]{40,64}$/;
/** base32 lowercase multibase, the canonical string form of CIDv1 */
const CID_RE = /^b[a-z2-7]{20,120}$/;

export const SIG_RE = /^[A-Za-z0-9_-]{16,256}$/;

/** A pack content id: CIDv1, sha-256, in its canonical base32 form. */
export function isPackCid(s: string): boolean {
  if (!CID_RE.test(s)) return false;
  try {
    const cid = CID.parse(s);
    return cid.version === 1 && cid.multihash.code === sha256.code && cid.toString() === s;
  } catch {
    return false;
  }
}

export interface ArmKeyParts {
  packCid: string;
  paramsHash: string;
  model: string;
}

/** `<pack CIDv1>:<params hash>:<model>`; the model may itself contain colons. */
export function parseArmKey(key: string): ArmKeyParts | undefined {
  if (key.length > 220) return undefined;
  const a = key.indexOf(':');
  const b = a < 0 ? -1 : key.indexOf(':', a + 1);
  if (a < 0 || b < 0) return undefined;
  const parts = { packCid: key.slice(0, a), paramsHash: key.slice(a + 1, b), model: key.slice(b + 1) };
  if (!isPackCid(parts.packCid) || !PARAMS_HASH_RE.test(parts.paramsHash) || !MODEL_RE.test(parts.model))
    return undefined;
  return parts;
}

export const isArmKey = (s: string) => parseArmKey(s) !== undefined;

/** A peer id whose public key is inline (Ed25519, secp256k1), in canonical form. */
export function isPeerIdWithKey(s: string): boolean {
  if (!PEER_ID_RE.test(s)) return false;
  try {
    const id = peerIdFromString(s);
    return (id.type === 'Ed25519' || id.type === 'secp256k1') && id.toString() === s;
  } catch {
    return false;
  }
}
