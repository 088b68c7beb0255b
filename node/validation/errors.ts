import { WeaverError } from '../../errors/index.js';

export enum ValidationErrorCode {
  /** a file to write into a temp dir has a path that is absolute, empty, or leads out of the dir */
  UNSAFE_PATH = 'VALIDATION_UNSAFE_PATH',
}

export type ValidationErrorType = { code: ValidationErrorCode.UNSAFE_PATH; path: string };

/** A file to write into a temp dir has a path that is absolute or leads out of the dir. */
export class UnsafePathError extends WeaverError<ValidationErrorType> {}
