import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { MarketplaceError, MarketplaceErrorCode, type Rejected, reject } from './errors.js';
import type { Pack } from './pack.js';
import {
  cidOfBytes,
  clip,
  type DecodeOptions,
  MAX_PACK_WIRE_BYTES,
  packFromBytes,
  packToBytes,
} from './pack-codec.js';
import { canonicalJson } from './pack-id.js';

/** The node's libp2p private key (Ed25519 by default), typed without importing @libp2p/interface. */
export type PrivateKey = Parameters<typeof peerIdFromPrivateKey>[0];

/**
 * What a publisher says about a pack: its content id, name and version, and a signature over
 * those three made with the publisher's peer key. Only these fields are vouched for; any other
 * metadata travelling with an announcement (description, language) is a claim until the pack is
 * fetched and verified.
 */
export interface PackAnnouncement {
  cid: string;
  name: string;
  version: string;
  /** the publisher's peer id (string form); Ed25519 ids embed the public key that verifies */
  publisher: string;
  signature: Uint8Array;
}

export type PackVerdict = { ok: true; pack: Pack; cid: string; publisher: string } | Rejected;

/** Domain-separated, so a pack signature can never be replayed as any other signed message. */
export const PACK_SIGNATURE_DOMAIN = 'weavergen/pack-signature/v1';

/** The signed bytes. A JSON array leaves no ambiguity between where one field ends and the next begins. */
export function signingPayload(a: Pick<PackAnnouncement, 'cid' | 'name' | 'version'>): Uint8Array {
  return new TextEncoder().encode(canonicalJson([PACK_SIGNATURE_DOMAIN, a.cid, a.name, a.version]));
}

/**
 * Signs a pack for announcement. Refuses a pack its peers would reject (so a publisher learns it
 * here, not from silence on the network).
 */
export async function signPack(
  pack: Pick<Pack, 'manifest' | 'templates'>,
  privateKey: PrivateKey,
): Promise<PackAnnouncement> {
  const bytes = packToBytes(pack);
  const decoded = packFromBytes(bytes, { origin: 'local' });
  if (!decoded.ok)
    throw new MarketplaceError(
      { code: MarketplaceErrorCode.INVALID_ARGUMENT, argument: 'pack' },
      `pack ${pack.manifest.name} cannot be announced, peers would reject it (${decoded.reason}): ${decoded.message}`,
    );
  const claim = { cid: decoded.cid, name: pack.manifest.name, version: pack.manifest.version };
  let signature: Uint8Array;
  try {
    signature = await privateKey.sign(signingPayload(claim));
  } catch (e) {
    throw new MarketplaceError(
      { code: MarketplaceErrorCode.SIGNING_FAILED, pack: pack.manifest.name },
      `signing failed: ${(e as Error).message}`,
    );
  }
  return { ...claim, publisher: peerIdFromPrivateKey(privateKey).toString(), signature };
}

/**
 * A pack is accepted only if its bytes hash to the announced id AND the publisher's signature over
 * (id, name, version) verifies AND the manifest's name and version are the announced ones. Checks
 * run cheapest first: the announcement's shape, the hash of the raw bytes, the decode, the
 * signature. Never throws.
 */
export async function verifyPack(
  input: Uint8Array | Pick<Pack, 'manifest' | 'templates' | 'origin'>,
  announcement: PackAnnouncement,
  options: DecodeOptions = {},
): Promise<PackVerdict> {
  try {
    const a = checkAnnouncement(announcement);
    if (!a.ok) return a;
    const maxBytes = options.maxBytes ?? MAX_PACK_WIRE_BYTES;
    let bytes: Uint8Array;
    if (input instanceof Uint8Array) bytes = input;
    else if (typeof input === 'object' && input !== null && 'manifest' in input) bytes = packToBytes(input);
    else return reject('malformed', 'expected pack bytes or a pack');
    if (bytes.byteLength > maxBytes)
      return reject('too-large', `pack is ${bytes.byteLength} bytes, the limit is ${maxBytes}`);
    const actual = cidOfBytes(bytes);
    if (!actual.equals(a.cid))
      return reject('cid-mismatch', `pack hashes to ${actual}, the announcement says ${a.cid}`);
    const origin = options.origin ?? (input instanceof Uint8Array ? undefined : input.origin);
    const decoded = packFromBytes(bytes, { ...options, origin });
    if (!decoded.ok) return decoded;
    const { manifest } = decoded.pack;
    if (manifest.name !== announcement.name)
      return reject(
        'name-mismatch',
        `pack is named ${manifest.name}, announced as ${clip(announcement.name, 64)}`,
      );
    if (manifest.version !== announcement.version)
      return reject(
        'version-mismatch',
        `pack ${manifest.name} is version ${manifest.version}, announced as ${clip(announcement.version, 64)}`,
      );
    const signed = await checkSignature(a, announcement);
    if (!signed.ok) return signed;
    return { ok: true, pack: decoded.pack, cid: decoded.cid, publisher: a.publisher.toString() };
  } catch (e) {
    return reject('malformed', `could not verify the pack: ${clip((e as Error)?.message ?? String(e))}`);
  }
}

/**
 * The announcement alone, before anything is fetched: well formed and signed by its publisher.
 * Enough to index the pack's name and version as the publisher's claim.
 */
export async function verifyAnnouncement(
  announcement: PackAnnouncement,
): Promise<{ ok: true; cid: string; publisher: string } | Rejected> {
  try {
    const a = checkAnnouncement(announcement);
    if (!a.ok) return a;
    const signed = await checkSignature(a, announcement);
    if (!signed.ok) return signed;
    return { ok: true, cid: a.cid.toString(), publisher: a.publisher.toString() };
  } catch (e) {
    return reject(
      'malformed',
      `could not verify the announcement: ${clip((e as Error)?.message ?? String(e))}`,
    );
  }
}

async function checkSignature(
  a: Extract<CheckedAnnouncement, { ok: true }>,
  announcement: PackAnnouncement,
): Promise<{ ok: true } | Rejected> {
  const key = a.publisher.publicKey;
  if (!key)
    return reject(
      'unknown-publisher-key',
      `publisher ${a.publisher} does not embed its public key (use Ed25519)`,
    );
  // the canonical cid string (announcements may spell it in another base) with the announced name and version
  const payload = signingPayload({
    cid: a.cid.toString(),
    name: announcement.name,
    version: announcement.version,
  });
  const valid = await Promise.resolve(key.verify(payload, announcement.signature)).catch(() => false);
  if (!valid)
    return reject('bad-signature', `signature does not verify with the key of publisher ${a.publisher}`);
  return { ok: true };
}

type CheckedAnnouncement = { ok: true; cid: CID; publisher: ReturnType<typeof peerIdFromString> } | Rejected;

/** The announcement is untrusted too: every field is checked before it is used. */
function checkAnnouncement(a: PackAnnouncement): CheckedAnnouncement {
  if (typeof a !== 'object' || a === null)
    return reject('bad-announcement', 'announcement must be an object');
  const str = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;
  if (!str(a.cid, 200) || !str(a.name, 100) || !str(a.version, 100) || !str(a.publisher, 200))
    return reject('bad-announcement', 'announcement needs cid, name, version and publisher strings');
  if (!(a.signature instanceof Uint8Array) || a.signature.byteLength === 0 || a.signature.byteLength > 1024)
    return reject('bad-announcement', 'announcement signature must be 1..1024 bytes');
  let cid: CID;
  try {
    cid = CID.parse(a.cid);
  } catch {
    return reject('bad-announcement', `announced id ${JSON.stringify(clip(a.cid, 64))} is not a CID`);
  }
  if (cid.version !== 1 || cid.code !== raw.code || cid.multihash.code !== sha256.code)
    return reject('bad-announcement', `announced id ${cid} is not a CIDv1 (raw, sha-256)`);
  let publisher: ReturnType<typeof peerIdFromString>;
  try {
    publisher = peerIdFromString(a.publisher);
  } catch {
    return reject('bad-announcement', `publisher ${JSON.stringify(clip(a.publisher, 64))} is not a peer id`);
  }
  return { ok: true, cid, publisher };
}
