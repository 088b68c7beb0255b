/**
 * Wire contracts between WeaverGen nodes: topic and protocol ids, versioned message schemas, the
 * deterministic encoding with its size caps, signatures, validators returning verdicts, and the
 * anonymizer that builds outgoing digests. No I/O: node/network does the talking.
 */
export {
  type AnonymizedDigest,
  type AnonymizeResult,
  type Anonymizer,
  type AnonymizerInit,
  type ArmStatsLike,
  createAnonymizer,
  DAY_MS,
  DEFAULT_RELEASE_MODEL,
  epochOf,
  GENERATORS,
  INITIAL_PRIVACY_STATE,
  LANGUAGES,
  migratePrivacyState,
  type NoiseRecord,
  type PrivacyState,
  type PrivacySummary,
  releasableArmKey,
  releasableContextKey,
  SENSITIVITY,
  type ThresholdMode,
  type Withheld,
  YEAR_MS,
} from './anonymizer.js';
export { bytesMatchCid, cidOfBytes } from './content-id.js';
export {
  canonicalJson,
  type DecodeResult,
  decodeJson,
  EncodingError,
  EncodingErrorCode,
  type EncodingErrorType,
  encodeCanonical,
} from './encoding.js';
export {
  DHT_PROTOCOL,
  DIGEST_SYNC_PROTOCOL,
  DIGEST_TOPIC,
  DIGEST_VERSION,
  LIMITS,
  PACK_PROTOCOL,
  PATTERN_TOPIC,
  PROTOCOL_PREFIX,
  SIGNATURE_DOMAIN,
  TOPICS,
  type Topic,
  WIRE_VERSION,
} from './ids.js';
export { laplace, secureRandom } from './laplace.js';
export {
  Digest,
  DigestEntry,
  PACK_RESPONSE_STATUS,
  PackRequest,
  PackResponseHeader,
  PatternAnnouncement,
  sortEntries,
  type UnsignedDigest,
  type UnsignedPatternAnnouncement,
} from './messages.js';
export { createReplayGuard, type ReplayGuard } from './replay.js';
export { publicKeyOf, type SignatureDomain, sign, signingBytes, verify } from './signing.js';
export {
  DEFAULT_DIGEST_MAX_AGE_MS,
  DEFAULT_MAX_CLOCK_SKEW_MS,
  DEFAULT_PATTERN_MAX_AGE_MS,
  decodeMessage,
  decodePackRequest,
  decodePackResponseHeader,
  type ValidateOptions,
  validateDigest,
  validatePattern,
  verifyAnnouncement,
} from './validate.js';
export {
  accept,
  IGNORE_REASONS,
  type IgnoreReason,
  ignore,
  REJECT_REASONS,
  type RejectReason,
  reject,
  type Verdict,
  verdictKey,
} from './verdict.js';
export {
  type ArmKeyParts,
  CONTEXT_KEY_RE,
  isArmKey,
  isPackCid,
  isPeerIdWithKey,
  parseArmKey,
} from './wire-strings.js';
