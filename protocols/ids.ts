/**
 * Topic names and protocol ids: the names of the wire contracts. A topic carries its version in
 * its name, so a message whose payload version differs from its topic's is invalid, not "newer".
 */
export const PROTOCOL_PREFIX = '/weavergen';

/** gossipsub topic of anonymized learning digests (payload version 2: DIGEST_VERSION) */
export const DIGEST_TOPIC = `${PROTOCOL_PREFIX}/digests/2`;
/** gossipsub topic of pattern pack announcements (payload version 1; topic 2 since gossip is unsigned: StrictNoSign, the author is the signed publisher) */
export const PATTERN_TOPIC = `${PROTOCOL_PREFIX}/patterns/2`;
/** request/response protocol that fetches a pack by content id */
export const PACK_PROTOCOL = `${PROTOCOL_PREFIX}/pack/1.0.0`;
/** request/response protocol that fetches the latest digests a peer holds (a node catching up after a restart; digests of DIGEST_VERSION) */
export const DIGEST_SYNC_PROTOCOL = `${PROTOCOL_PREFIX}/digests/2.0.0`;
/** kad-dht protocol id (the DHT of WeaverGen nodes only, not the public IPFS one) */
export const DHT_PROTOCOL = `${PROTOCOL_PREFIX}/kad/1.0.0`;

export const TOPICS = [DIGEST_TOPIC, PATTERN_TOPIC] as const;
export type Topic = (typeof TOPICS)[number];

/** The payload version of every message type defined here but digests (pattern announcements, pack frames). */
export const WIRE_VERSION = 1;

/**
 * The payload version of digests. 2: entries carry (n, sumQ, sumQ2) only (version 1 also had
 * `successes`), noised with scale 3 / epsilon, dated with their epoch's start. A version-1 digest is
 * rejected as 'wrong-version'; the topic and the catch-up protocol carry the version in their names,
 * so nodes of either version do not hear each other's digests at all.
 */
export const DIGEST_VERSION = 2;

/** Hard size caps, checked on the raw bytes before anything is parsed. */
export const LIMITS = {
  /** one digest message (its entries are capped too) */
  digestBytes: 128 * 1024,
  digestEntries: 256,
  /** one pattern announcement */
  patternBytes: 4 * 1024,
  /** a pack-fetch request frame */
  packRequestBytes: 512,
  /** a pack-fetch response header frame (status + the signed announcement) */
  packResponseHeaderBytes: 8 * 1024,
  /** digests in one sync response (each a digest message, up to digestBytes) */
  syncDigests: 64,
  /** a pack's deterministic encoding (marketplace/pack.ts allows 2 MiB of text; JSON escaping adds some) */
  packBytes: 4 * 1024 * 1024,
} as const;

/** Signature domains: a signature made for one message type never verifies as another. */
export const SIGNATURE_DOMAIN = {
  digest: 'weavergen:digest:1',
  pattern: 'weavergen:pattern:1',
} as const;
