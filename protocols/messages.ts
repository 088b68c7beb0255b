import { z } from 'zod';
import { DIGEST_VERSION, LIMITS, WIRE_VERSION } from './ids.js';
import { CONTEXT_KEY_RE, isArmKey, isPackCid, isPeerIdWithKey, SIG_RE } from './wire-strings.js';

/**
 * Versioned message schemas (digests: DIGEST_VERSION; the others: WIRE_VERSION). Objects are strict: an unknown field makes the
 * message invalid (a signature covers every field, so nothing may be silently dropped).
 */

const peerId = z.string().max(64).refine(isPeerIdWithKey, 'not a peer id with an inline public key');
const sig = z.string().regex(SIG_RE, 'not a base64url signature');
const timestamp = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** One (context, arm) of a digest: noised and rounded sufficient statistics (n, sum q, sum q^2). */
export const DigestEntry = z
  .strictObject({
    contextKey: z.string().max(64).regex(CONTEXT_KEY_RE, 'not a context key'),
    armKey: z.string().max(220).refine(isArmKey, 'not an arm key'),
    n: z.int().min(1).max(1_000_000_000),
    sumQ: z.number().min(0),
    sumQ2: z.number().min(0),
  })
  .refine((e) => e.sumQ <= e.n, 'sumQ cannot exceed n')
  .refine(
    (e) => e.sumQ2 <= e.sumQ + 1e-9 && e.sumQ2 >= (e.sumQ * e.sumQ) / e.n - 0.011,
    'sumQ2 must lie in [sumQ^2/n, sumQ] (q is in [0, 1])',
  );
export type DigestEntry = z.infer<typeof DigestEntry>;

const entryOrder = (a: DigestEntry, b: DigestEntry) =>
  a.contextKey < b.contextKey
    ? -1
    : a.contextKey > b.contextKey
      ? 1
      : a.armKey < b.armKey
        ? -1
        : a.armKey > b.armKey
          ? 1
          : 0;

export const sortEntries = (entries: DigestEntry[]) => [...entries].sort(entryOrder);

const digestFields = {
  v: z.literal(DIGEST_VERSION),
  type: z.literal('digest'),
  /** the publishing node's peer id (must be the gossip author) */
  peer: peerId,
  /** per-publisher sequence: one digest per epoch, a newer epoch replaces an older one */
  epoch: z
    .int()
    .min(0)
    .max(2 ** 40),
  /** ms since the Unix epoch: the start of the epoch the digest is for (epoch x the publisher's epoch length) */
  at: timestamp,
  /** the Laplace epsilon the counts were noised with, and the k threshold used */
  epsilon: z.number().positive().max(100),
  k: z.int().min(1).max(1_000_000),
  entries: z
    .array(DigestEntry)
    .max(LIMITS.digestEntries)
    .refine(
      (es) => es.every((e, i) => i === 0 || entryOrder(es[i - 1], e) < 0),
      'entries must be sorted by (contextKey, armKey), without duplicates',
    ),
};

/** A digest as signed and gossiped. */
export const Digest = z.strictObject({ ...digestFields, sig });
export type Digest = z.infer<typeof Digest>;
export type UnsignedDigest = Omit<Digest, 'sig'>;

const patternFields = {
  v: z.literal(WIRE_VERSION),
  type: z.literal('pattern'),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  version: z
    .string()
    .max(64)
    .regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/),
  language: z.string().regex(/^[a-z][a-z0-9]{0,15}$/),
  /** the pack's content id (CIDv1, sha-256 of its deterministic encoding) */
  cid: z.string().refine(isPackCid, 'not a CIDv1 (sha-256)'),
  /** bytes of the deterministic encoding */
  size: z.int().min(1).max(LIMITS.packBytes),
  publisher: peerId,
  timestamp,
};

/** A pattern pack announcement, signed by its publisher's peer key. */
export const PatternAnnouncement = z.strictObject({ ...patternFields, sig });
export type PatternAnnouncement = z.infer<typeof PatternAnnouncement>;
export type UnsignedPatternAnnouncement = Omit<PatternAnnouncement, 'sig'>;

/** Pack fetch: request frame. */
export const PackRequest = z.strictObject({
  v: z.literal(WIRE_VERSION),
  type: z.literal('pack-request'),
  cid: z.string().refine(isPackCid, 'not a CIDv1 (sha-256)'),
});
export type PackRequest = z.infer<typeof PackRequest>;

export const PACK_RESPONSE_STATUS = ['ok', 'not-found', 'rate-limited', 'error'] as const;

/** Pack fetch: response header frame; with status ok a second frame holds exactly `announcement.size` bytes. */
export const PackResponseHeader = z
  .strictObject({
    v: z.literal(WIRE_VERSION),
    type: z.literal('pack-response'),
    status: z.enum(PACK_RESPONSE_STATUS),
    announcement: PatternAnnouncement.optional(),
    message: z.string().max(200).optional(),
  })
  .refine((h) => (h.status === 'ok') === (h.announcement !== undefined), 'announcement iff status ok');
export type PackResponseHeader = z.infer<typeof PackResponseHeader>;
