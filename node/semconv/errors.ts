/** Typed errors of the semconv part (lodestar style: a code the caller can switch on). */
export enum SemconvErrorCode {
  NOT_FOUND = 'SEMCONV_NOT_FOUND',
  NO_FILES = 'SEMCONV_NO_FILES',
  INVALID_REGISTRY = 'SEMCONV_INVALID_REGISTRY',
  DEPENDENCY_CYCLE = 'SEMCONV_DEPENDENCY_CYCLE',
}

export class SemconvError extends Error {
  constructor(
    readonly code: SemconvErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SemconvError';
  }
}
