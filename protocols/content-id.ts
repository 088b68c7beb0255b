import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { create as createDigest } from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { equals } from 'uint8arrays';

/** CIDv1 (raw, sha-256) of some bytes: how a pack's content id is made from its encoding. */
export function cidOfBytes(bytes: Uint8Array): string {
  const digest = createDigest(sha256.code, createHash('sha256').update(bytes).digest());
  return CID.createV1(raw.code, digest).toString();
}

/** true when the bytes hash (sha-256) to the content id's multihash. */
export function bytesMatchCid(bytes: Uint8Array, cid: string): boolean {
  try {
    const parsed = CID.parse(cid);
    if (parsed.multihash.code !== sha256.code) return false;
    return equals(parsed.multihash.digest, createHash('sha256').update(bytes).digest());
  } catch {
    return false;
  }
}
