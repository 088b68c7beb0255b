import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import {
  LIMITS,
  PatternAnnouncement,
  publicKeyOf,
  sign,
  type UnsignedPatternAnnouncement,
  verify,
  WIRE_VERSION,
} from '../protocols/index.js';
import { MarketplaceError, MarketplaceErrorCode, type Rejected, reject } from './errors.js';
import type { Pack } from './pack.js';
import { clip, type DecodeOptions, MAX_PACK_WIRE_BYTES, packFromBytes, packToBytes } from './pack-codec.js';

export type { PrivateKey };
/**
 * The one signing scheme for packs: the publisher's peer key signs the pattern announcement
 * (protocols/signing.ts, domain `pattern`): name, version, language, content id, size, publisher and
 * an hour-grained timestamp. The content id binds the signature to the exact bytes, so a pack is
 * accepted only when its bytes hash to the announced id AND the announcement verifies with the key
 * inline in the publisher's peer id AND the manifest says what the announcement says. Publish,
 * gossip, fetch and install all check it this way.
 */
export { PatternAnnouncement };

export type PackVerdict =
  | { ok: true; pack: Pack; cid: string; publisher: string; announcement: PatternAnnouncement }
  | Rejected;

export interface SignedPack {
  announcement: PatternAnnouncement;
  bytes: Uint8Array;
}

/**
 * Signs a pack for announcement, dated `timestamp` (ms). Refuses a pack its peers would reject (so a
 * publisher learns it here, not from silence on the network).
 */
export async function signPack(
  pack: Pick<Pack, 'manifest' | 'templates'>,
  privateKey: PrivateKey,
  timestamp: number,
): Promise<SignedPack> {
  const bytes = packToBytes(pack);
  const decoded = packFromBytes(bytes, { origin: 'local' });
  const refuse = (why: string) =>
    new MarketplaceError(
      { code: MarketplaceErrorCode.INVALID_ARGUMENT, argument: 'pack' },
      `pack ${pack.manifest.name} cannot be announced, peers would reject it (${why})`,
    );
  if (!decoded.ok) throw refuse(`${decoded.reason}: ${decoded.message}`);
  const unsigned: UnsignedPatternAnnouncement = {
    v: WIRE_VERSION,
    type: 'pattern',
    name: pack.manifest.name,
    version: pack.manifest.version,
    language: pack.manifest.language,
    cid: decoded.cid,
    size: bytes.byteLength,
    publisher: peerIdFromPrivateKey(privateKey).toString(),
    timestamp,
  };
  let announcement: PatternAnnouncement;
  try {
    announcement = (await sign('pattern', unsigned, privateKey)) as PatternAnnouncement;
  } catch (e) {
    throw new MarketplaceError(
      { code: MarketplaceErrorCode.SIGNING_FAILED, pack: pack.manifest.name },
      `signing failed: ${(e as Error).message}`,
    );
  }
  const checked = PatternAnnouncement.safeParse(announcement);
  if (!checked.success)
    throw refuse(
      `announcement: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return { announcement, bytes };
}

/**
 * The announcement alone, before anything is fetched: well formed (the strict wire schema) and
 * signed by its publisher. Enough to index the pack's name, version and language as the
 * publisher's claim. Never throws.
 */
export async function checkAnnouncement(
  a: unknown,
): Promise<{ ok: true; announcement: PatternAnnouncement } | Rejected> {
  try {
    const parsed = PatternAnnouncement.safeParse(a);
    if (!parsed.success)
      return reject(
        'bad-announcement',
        clip(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '), 200),
      );
    const announcement = parsed.data;
    if (!publicKeyOf(announcement.publisher))
      return reject(
        'unknown-publisher-key',
        `publisher ${clip(announcement.publisher, 64)} does not embed its public key (use Ed25519)`,
      );
    if (!(await verify('pattern', announcement, announcement.publisher)))
      return reject('bad-signature', `not signed by its publisher ${announcement.publisher}`);
    return { ok: true, announcement };
  } catch (e) {
    return reject(
      'malformed',
      `could not verify the announcement: ${clip((e as Error)?.message ?? String(e))}`,
    );
  }
}

/**
 * Pack bytes and the announcement they came with: the announcement checked (schema, signature),
 * then the bytes (size, hash against the announced id, decode), then that the manifest is what was
 * announced (name, version, language). `options.cid`: the id that was asked for. Never throws.
 */
export async function verifyPack(
  bytes: Uint8Array,
  announcement: unknown,
  options: DecodeOptions = {},
): Promise<PackVerdict> {
  try {
    const checked = await checkAnnouncement(announcement);
    if (!checked.ok) return checked;
    const a = checked.announcement;
    if (options.cid !== undefined && a.cid !== options.cid)
      return reject('cid-mismatch', `announcement for ${a.cid}, asked for ${clip(options.cid, 80)}`);
    if (!(bytes instanceof Uint8Array)) return reject('malformed', 'pack bytes must be a Uint8Array');
    const maxBytes = Math.min(options.maxBytes ?? MAX_PACK_WIRE_BYTES, a.size, LIMITS.packBytes);
    if (bytes.byteLength > maxBytes)
      return reject('too-large', `pack is ${bytes.byteLength} bytes, announced ${a.size}`);
    const decoded = packFromBytes(bytes, { ...options, cid: a.cid, maxBytes });
    if (!decoded.ok) return decoded;
    const m = decoded.pack.manifest;
    if (m.name !== a.name) return reject('name-mismatch', `pack is named ${m.name}, announced as ${a.name}`);
    if (m.version !== a.version)
      return reject('version-mismatch', `pack ${m.name} is version ${m.version}, announced as ${a.version}`);
    if (m.language !== a.language || bytes.byteLength !== a.size)
      return reject(
        'bad-announcement',
        `pack ${m.name} is ${m.language}, ${bytes.byteLength} bytes; announced ${a.language}, ${a.size} bytes`,
      );
    return { ok: true, pack: decoded.pack, cid: decoded.cid, publisher: a.publisher, announcement: a };
  } catch (e) {
    return reject('malformed', `could not verify the pack: ${clip((e as Error)?.message ?? String(e))}`);
  }
}
