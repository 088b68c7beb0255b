export enum PackErrorCode {
  NOT_FOUND = 'PACK_NOT_FOUND',
  INVALID_MANIFEST = 'PACK_INVALID_MANIFEST',
  MISSING_TEMPLATE = 'PACK_MISSING_TEMPLATE',
  TOO_LARGE = 'PACK_TOO_LARGE',
  BAD_PARAM = 'PACK_BAD_PARAM',
}

export class PackError extends Error {
  constructor(
    readonly code: PackErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PackError';
  }
}
