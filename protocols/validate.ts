import type { z } from 'zod';
import { decodeJson } from './encoding.js';
import { DIGEST_VERSION, LIMITS, WIRE_VERSION } from './ids.js';
import { Digest, PackRequest, PackResponseHeader, PatternAnnouncement } from './messages.js';
import type { ReplayGuard } from './replay.js';
import { type SignatureDomain, verify } from './signing.js';
import { accept, ignore, reject, type Verdict } from './verdict.js';

export interface ValidateOptions {
  /** the receiver's clock (ms) */
  now?: number;
  /** the authenticated author of a message when the transport gives one (gossip is unsigned since StrictNoSign: the author is the signed `peer`/`publisher`) */
  author?: string;
  /** replay state; without it only the message itself is checked */
  replay?: ReplayGuard;
  /** how far in the future a message may be dated (default 60 s) */
  maxClockSkewMs?: number;
  /** how old a message may be (defaults: digests 3 days, announcements 30 days) */
  maxAgeMs?: number;
}

export const DEFAULT_MAX_CLOCK_SKEW_MS = 60_000;
/**
 * A digest is dated with its epoch's start, not when it was built or relayed, and the receiver does
 * not know the publisher's epoch length: 3 days accepts a digest of 24 h epochs built at the end of
 * its epoch and relayed (or served on catch-up) up to 2 days later. Replays are refused by epoch.
 */
export const DEFAULT_DIGEST_MAX_AGE_MS = 3 * 24 * 3600_000;
export const DEFAULT_PATTERN_MAX_AGE_MS = 30 * 24 * 3600_000;

const issues = (e: z.ZodError) =>
  e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');

/** Schemas whose payload version is not WIRE_VERSION. */
const VERSION_OF = new Map<z.ZodType, number>([[Digest, DIGEST_VERSION]]);

/**
 * Decode + schema check shared by every message type: size cap, UTF-8 JSON, the payload version
 * against the topic's (`expected`: DIGEST_VERSION for digests, WIRE_VERSION otherwise), the strict schema,
 * and the canonical encoding.
 */
export function decodeMessage<T>(
  schema: z.ZodType<T>,
  bytes: Uint8Array,
  maxBytes: number,
  expected: number = VERSION_OF.get(schema) ?? WIRE_VERSION,
): Verdict<T> {
  const decoded = decodeJson(bytes, maxBytes);
  if (!decoded.ok) return reject(decoded.reason, decoded.detail);
  const v = decoded.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return reject('malformed', 'not an object');
  const version = (v as { v?: unknown }).v;
  if (version === undefined) return reject('malformed', 'no version field');
  if (version !== expected)
    return reject('wrong-version', `v=${JSON.stringify(version)}, expected ${expected}`);
  const parsed = schema.safeParse(v);
  if (!parsed.success) return reject('malformed', issues(parsed.error));
  if (!decoded.canonical) return reject('non-canonical', 'bytes are not the canonical encoding');
  return accept(parsed.data);
}

interface SignedSpec<T> {
  schema: z.ZodType<T>;
  maxBytes: number;
  domain: SignatureDomain;
  defaultMaxAgeMs: number;
  signer(m: T): string;
  time(m: T): number;
  /** replay key and sequence */
  replayKey(m: T): string;
  seq(m: T): number;
}

async function validateSigned<T extends { sig: string }>(
  spec: SignedSpec<T>,
  bytes: Uint8Array,
  opts: ValidateOptions,
): Promise<Verdict<T>> {
  const decoded = decodeMessage(spec.schema, bytes, spec.maxBytes);
  if (decoded.action !== 'accept') return decoded;
  const m = decoded.value;
  const signer = spec.signer(m);
  if (opts.author !== undefined && opts.author !== signer)
    return reject('publisher-mismatch', `signed by ${signer}, gossiped as authored by ${opts.author}`);
  const now = opts.now ?? Date.now();
  const t = spec.time(m);
  if (t > now + (opts.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS))
    return ignore('future-dated', `dated ${t - now} ms ahead`);
  if (t < now - (opts.maxAgeMs ?? spec.defaultMaxAgeMs)) return ignore('stale', `dated ${now - t} ms ago`);
  const key = spec.replayKey(m);
  const seq = spec.seq(m);
  const seen = opts.replay?.check(key, seq);
  if (seen === 'duplicate') return ignore('replayed', `${key} #${seq} seen before`);
  if (seen === 'older') return ignore('replayed', `${key} #${seq} is older than #${opts.replay?.last(key)}`);
  if (!(await verify(spec.domain, m, signer))) return reject('bad-signature', `not signed by ${signer}`);
  // recorded only now, after the signature: a forged message cannot advance anyone's sequence
  if (opts.replay && !opts.replay.record(key, seq)) return ignore('replayed', `${key} #${seq} raced`);
  return accept(m);
}

const digestSpec: SignedSpec<Digest> = {
  schema: Digest,
  maxBytes: LIMITS.digestBytes,
  domain: 'digest',
  defaultMaxAgeMs: DEFAULT_DIGEST_MAX_AGE_MS,
  signer: (m) => m.peer,
  time: (m) => m.at,
  replayKey: (m) => m.peer,
  seq: (m) => m.epoch,
};

const patternSpec: SignedSpec<PatternAnnouncement> = {
  schema: PatternAnnouncement,
  maxBytes: LIMITS.patternBytes,
  domain: 'pattern',
  defaultMaxAgeMs: DEFAULT_PATTERN_MAX_AGE_MS,
  signer: (m) => m.publisher,
  time: (m) => m.timestamp,
  replayKey: (m) => `${m.publisher}/${m.name}`,
  seq: (m) => m.timestamp,
};

/** A digest off the wire: size, version, schema, canonical bytes, author, dates, replay, signature. */
export const validateDigest = (bytes: Uint8Array, opts: ValidateOptions = {}) =>
  validateSigned(digestSpec, bytes, opts);

/** A pattern announcement off the wire (replays are per publisher and pack name, by timestamp). */
export const validatePattern = (bytes: Uint8Array, opts: ValidateOptions = {}) =>
  validateSigned(patternSpec, bytes, opts);

export const decodePackRequest = (bytes: Uint8Array) =>
  decodeMessage(PackRequest, bytes, LIMITS.packRequestBytes);

export const decodePackResponseHeader = (bytes: Uint8Array) =>
  decodeMessage(PackResponseHeader, bytes, LIMITS.packResponseHeaderBytes);

/** An announcement that came inside a pack response: its signature, nothing about replays. */
export async function verifyAnnouncement(a: PatternAnnouncement): Promise<boolean> {
  return verify('pattern', a, a.publisher);
}
