import { packToBytes } from '../../marketplace/pack-codec.js';
import { signPack } from '../../marketplace/signature.js';
import {
  type AnonymizedDigest,
  DIGEST_TOPIC,
  type Digest,
  encodeCanonical,
  LIMITS,
  type PatternAnnouncement,
  sign,
  validateDigest,
} from '../../protocols/index.js';
import type { Pack } from '../packs/index.js';
import type { NetContext, Running } from './context.js';
import { NetworkError, NetworkErrorCode } from './errors.js';
import type { PublishedDigest } from './index.js';

export async function publishBytes(current: Running, topic: string, bytes: Uint8Array): Promise<number> {
  try {
    return (await current.libp2p.services.pubsub.publish(topic, bytes)).recipients.length;
  } catch (e) {
    throw new NetworkError(
      { code: NetworkErrorCode.PUBLISH_FAILED, topic },
      `publish on ${topic} failed: ${(e as Error).message}`,
    );
  }
}

/** Signs a digest the anonymizer built; it must pass this node's own validation before it leaves. */
export async function signDigest(
  ctx: NetContext,
  digest: AnonymizedDigest,
): Promise<{ signed: Digest; bytes: Uint8Array }> {
  const signed = (await sign('digest', { ...digest, peer: ctx.selfId }, ctx.peerKey)) as Digest;
  const bytes = encodeCanonical(signed);
  const check = await validateDigest(bytes, {
    now: ctx.settings.clock(),
    author: ctx.selfId,
    maxClockSkewMs: ctx.settings.validation.maxClockSkewMs,
  });
  if (check.action !== 'accept')
    throw new NetworkError(
      { code: NetworkErrorCode.INVALID_DIGEST, reason: check.reason },
      `digest fails validation: ${check.reason} ${check.detail ?? ''}`.trim(),
    );
  return { signed, bytes };
}

export async function publishDigest(
  ctx: NetContext,
  current: Running,
  digest: AnonymizedDigest,
): Promise<PublishedDigest> {
  const { signed, bytes } = await signDigest(ctx, digest);
  const recipients = await publishBytes(current, DIGEST_TOPIC, bytes);
  ctx.stat.published.digests++;
  ctx.own.digest = signed;
  return { digest: signed, recipients };
}

/** Announcement timestamps are whole hours: a millisecond one would date this node's start. */
export const ANNOUNCEMENT_GRAIN_MS = 3_600_000;

/**
 * The signed announcement of one of this node's packs, and the pack registered to be served. Its
 * timestamp is the hour (ANNOUNCEMENT_GRAIN_MS), strictly increasing per pack name as receivers'
 * replay protection requires: a second announcement within the hour is dated one ms after the first.
 */
export async function signedAnnouncement(ctx: NetContext, pack: Pack): Promise<PatternAnnouncement> {
  const size = packToBytes(pack).byteLength;
  if (size > LIMITS.packBytes)
    throw new NetworkError(
      { code: NetworkErrorCode.PACK_TOO_LARGE, bytes: size, limit: LIMITS.packBytes },
      `pack encodes to ${size} bytes > ${LIMITS.packBytes}`,
    );
  const last = ctx.lastAnnounced;
  const name = pack.manifest.name;
  const now = ctx.settings.clock();
  const timestamp = Math.max(now - (now % ANNOUNCEMENT_GRAIN_MS), (last.get(name) ?? 0) + 1);
  last.set(name, timestamp);
  // the one signing scheme (marketplace/signature.ts over protocols/signing.ts)
  const { announcement, bytes } = await signPack(pack, ctx.peerKey, timestamp);
  ctx.served.put(announcement.cid, { announcement, bytes }, true);
  return announcement;
}
