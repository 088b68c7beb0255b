import { WeaverError } from '../../errors/index.js';

export enum NetworkErrorCode {
  NOT_STARTED = 'NETWORK_NOT_STARTED',
  BAD_PEER_KEY = 'NETWORK_BAD_PEER_KEY',
  BAD_ADDRESS = 'NETWORK_BAD_ADDRESS',
  INVALID_CID = 'NETWORK_INVALID_CID',
  PACK_TOO_LARGE = 'NETWORK_PACK_TOO_LARGE',
  /** no provider gave a pack that verified */
  PACK_UNAVAILABLE = 'NETWORK_PACK_UNAVAILABLE',
  /** a digest that does not pass this node's own validation (never published) */
  INVALID_DIGEST = 'NETWORK_INVALID_DIGEST',
  PUBLISH_FAILED = 'NETWORK_PUBLISH_FAILED',
  /** a length-prefixed frame could not be read (see FrameFailure) */
  FRAME_FAILED = 'NETWORK_FRAME_FAILED',
  /** bytes of a pack (from a peer, or this node's own copy) that do not decode to the pack they claim to be */
  PACK_REJECTED = 'NETWORK_PACK_REJECTED',
  /** one provider's answer to a pack request was not used (the fetch goes on with the next provider) */
  FETCH_FAILED = 'NETWORK_FETCH_FAILED',
}

/**
 * Why a length-prefixed frame could not be read: a length over the cap, a length prefix that is not
 * a varint, a stream that ended inside a frame, no byte for too long, past the deadline, or the
 * stream reset or aborted.
 */
export type FrameFailure = 'oversized' | 'bad-length' | 'truncated' | 'stalled' | 'timeout' | 'closed';

/** Why a fetched pack was refused (counted as `packs:reject:<reason>`). */
export type PackRejectReason =
  | 'oversized'
  | 'size-mismatch'
  | 'cid-mismatch'
  | 'malformed'
  | 'invalid-pack'
  | 'not-canonical'
  | 'announcement-mismatch';

/** One provider asked for a pack, and why its answer was not used. */
export interface FetchAttempt {
  peer: string;
  source: string;
  reason: string;
}

export type NetworkErrorType =
  /** `operation`: what was asked of the stopped network */
  | { code: NetworkErrorCode.NOT_STARTED; operation: string }
  | { code: NetworkErrorCode.BAD_PEER_KEY; path: string }
  | { code: NetworkErrorCode.BAD_ADDRESS; address: string }
  | { code: NetworkErrorCode.INVALID_CID; cid: string }
  | { code: NetworkErrorCode.PACK_TOO_LARGE; bytes: number; limit: number }
  | { code: NetworkErrorCode.PACK_UNAVAILABLE; cid: string; attempts: FetchAttempt[] }
  /** `reason`: the digest check that failed */
  | { code: NetworkErrorCode.INVALID_DIGEST; reason: string }
  | { code: NetworkErrorCode.PUBLISH_FAILED; topic: string }
  | { code: NetworkErrorCode.FRAME_FAILED; reason: FrameFailure }
  | { code: NetworkErrorCode.PACK_REJECTED; reason: PackRejectReason }
  /** `reason`: also the counted `packs:reject|fail:<reason>` key */
  | { code: NetworkErrorCode.FETCH_FAILED; reason: string };

export class NetworkError extends WeaverError<NetworkErrorType> {}

/** A NetworkError of that code, its metadata typed by the code. */
export const isNetworkError = <C extends NetworkErrorCode>(
  e: unknown,
  code: C,
): e is NetworkError & { readonly type: Extract<NetworkErrorType, { code: C }> } =>
  e instanceof NetworkError && e.type.code === code;
