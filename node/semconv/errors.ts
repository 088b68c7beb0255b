import { WeaverError } from '../../errors/index.js';

/** Typed errors of the semconv part (lodestar style: a code the caller can switch on). */
export enum SemconvErrorCode {
  NOT_FOUND = 'SEMCONV_NOT_FOUND',
  NO_FILES = 'SEMCONV_NO_FILES',
  INVALID_REGISTRY = 'SEMCONV_INVALID_REGISTRY',
  DEPENDENCY_CYCLE = 'SEMCONV_DEPENDENCY_CYCLE',
}

export type SemconvErrorType =
  /** the registry path does not exist or is not a folder */
  | { code: SemconvErrorCode.NOT_FOUND; path: string }
  /** the registry folder holds no *.yaml or *.yml file */
  | { code: SemconvErrorCode.NO_FILES; path: string }
  /** the registry was read but does not pass the checks (`errors` error diagnostics) */
  | { code: SemconvErrorCode.INVALID_REGISTRY; path: string; errors: number }
  /** registry folders that depend on each other, in the order they were followed */
  | { code: SemconvErrorCode.DEPENDENCY_CYCLE; chain: string[] };

export class SemconvError extends WeaverError<SemconvErrorType> {}
