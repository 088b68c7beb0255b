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
}

export class NetworkError extends Error {
  constructor(
    readonly code: NetworkErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}
