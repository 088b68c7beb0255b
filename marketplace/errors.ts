import { WeaverError } from '../errors/index.js';

/**
 * Why the marketplace turned something away. Untrusted input is never thrown at the caller: it
 * comes back as a verdict with one of these reasons, so the network layer can count it per reason
 * and charge it to the sending peer's reputation.
 */
export type RejectReason =
  /** bytes over the transfer limit, or a pack over createPack's limits */
  | 'too-large'
  /** not UTF-8, not JSON, or not the {manifest, templates} shape */
  | 'malformed'
  /** a template path that could escape a folder or is otherwise unsafe */
  | 'unsafe-path'
  /** the manifest fails the pack schema */
  | 'invalid-manifest'
  /** the manifest lists a template the pack does not contain */
  | 'missing-template'
  /** valid, but not the deterministic encoding (so its hash would not be its content id) */
  | 'not-canonical'
  /** the announcement itself is malformed (cid, publisher, signature) */
  | 'bad-announcement'
  /** the bytes (or the pack) do not hash to the announced content id */
  | 'cid-mismatch'
  /** the pack's manifest name differs from the announced name */
  | 'name-mismatch'
  /** the pack's manifest version differs from the announced version */
  | 'version-mismatch'
  /** the publisher's peer id does not embed a public key (e.g. RSA ids) */
  | 'unknown-publisher-key'
  /** the signature does not verify with the publisher's public key */
  | 'bad-signature'
  /** a digest that fails the sanity checks (see ratings.ts) */
  | 'bad-digest';

export interface Rejected {
  ok: false;
  reason: RejectReason;
  /** one line for logs and the API, never containing the untrusted input verbatim beyond a few chars */
  message: string;
}

export const reject = (reason: RejectReason, message: string): Rejected => ({ ok: false, reason, message });

export enum MarketplaceErrorCode {
  /** a programming error on the local side (bad init option, signing an invalid pack) */
  INVALID_ARGUMENT = 'MARKETPLACE_INVALID_ARGUMENT',
  SIGNING_FAILED = 'MARKETPLACE_SIGNING_FAILED',
}

export type MarketplaceErrorType =
  /** `argument`: the init option or argument that is not valid (e.g. `privateKey`, `pack`) */
  | { code: MarketplaceErrorCode.INVALID_ARGUMENT; argument: string }
  | { code: MarketplaceErrorCode.SIGNING_FAILED; pack: string };

export class MarketplaceError extends WeaverError<MarketplaceErrorType> {}
