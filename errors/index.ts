/**
 * The one error type of WeaverGen (lodestar's `LodestarError<{code, ...}>` pattern): a code the
 * caller can switch on, plus typed metadata about what went wrong. A part declares its codes and
 * their metadata as a union type and, at most, a one-line subclass for `instanceof`:
 *
 *   export enum SemconvErrorCode { NOT_FOUND = 'SEMCONV_NOT_FOUND', ... }
 *   export type SemconvErrorType = { code: SemconvErrorCode.NOT_FOUND; path: string } | ...;
 *   export class SemconvError extends WeaverError<SemconvErrorType> {}
 *
 * Exit codes (CLI) and HTTP statuses (API) are derived from the code in one table (node/errors.ts).
 */
export interface ErrorType {
  code: string;
}

export class WeaverError<T extends ErrorType = ErrorType> extends Error {
  constructor(
    readonly type: T,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? type.code, options);
    this.name = new.target.name;
  }

  get code(): T['code'] {
    return this.type.code;
  }

  /** the metadata without the code, for logs, span attributes and API `details` */
  meta(): Omit<T, 'code'> {
    const { code: _code, ...rest } = this.type;
    return rest;
  }

  toObject(): { code: T['code']; message: string } & Omit<T, 'code'> {
    return { code: this.code, message: this.message, ...this.meta() };
  }
}

export const isWeaverError = (e: unknown): e is WeaverError => e instanceof WeaverError;
