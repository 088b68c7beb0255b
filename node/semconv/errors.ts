import { WeaverError } from '../../errors/index.js';

/** Typed errors of the semconv part (lodestar style: a code the caller can switch on). */
export enum SemconvErrorCode {
  NOT_FOUND = 'SEMCONV_NOT_FOUND',
  NO_FILES = 'SEMCONV_NO_FILES',
  INVALID_REGISTRY = 'SEMCONV_INVALID_REGISTRY',
  DEPENDENCY_CYCLE = 'SEMCONV_DEPENDENCY_CYCLE',
  FILES_REFUSED = 'SEMCONV_FILES_REFUSED',
  LIMIT_EXCEEDED = 'SEMCONV_LIMIT_EXCEEDED',
  DEPENDENCY_OUTSIDE = 'SEMCONV_DEPENDENCY_OUTSIDE',
}

/** A file of a registry that is not read, and why ("is a FIFO (named pipe): only regular files are read"). */
export interface RefusedFile {
  /** relative to the registry folder it belongs to */
  file: string;
  reason: string;
}

/**
 * The limits a registry can run into (REGISTRY_LIMITS and YAML_LIMITS say their values and why;
 * `loadMs` and `heapMb` are the time and heap budgets of a load in the node, load-off-thread.ts).
 */
export type RegistryLimit = 'fileBytes' | 'registryBytes' | 'entries' | 'aliasNodes' | 'loadMs' | 'heapMb';

export type SemconvErrorType =
  /** the registry path does not exist or is not a folder */
  | { code: SemconvErrorCode.NOT_FOUND; path: string }
  /** the registry folder holds no *.yaml or *.yml file */
  | { code: SemconvErrorCode.NO_FILES; path: string }
  /** the registry was read but does not pass the checks (`errors` error diagnostics) */
  | { code: SemconvErrorCode.INVALID_REGISTRY; path: string; errors: number }
  /** a dependency registry the manifest of `path` names outside where it may read (dependency-scope.ts) */
  | { code: SemconvErrorCode.DEPENDENCY_OUTSIDE; path: string; dependency: string }
  /** registry folders that depend on each other, in the order they were followed */
  | { code: SemconvErrorCode.DEPENDENCY_CYCLE; chain: string[] }
  /**
   * files of the registry folder `path` that are not read: not regular files (FIFOs, sockets,
   * devices), symbolic links that leave the folder, point to a folder, dangle or loop, files that
   * cannot be read (permission) or are larger than the limit for one file
   */
  | { code: SemconvErrorCode.FILES_REFUSED; path: string; files: RefusedFile[] }
  /**
   * the registry (with its dependencies) runs past one of its limits: `limit` names it, `max` is its
   * value; `file` (and `line`, `column`) where one file did
   */
  | {
      code: SemconvErrorCode.LIMIT_EXCEEDED;
      path: string;
      limit: RegistryLimit;
      max: number;
      file?: string;
      line?: number;
      column?: number;
    };

export class SemconvError extends WeaverError<SemconvErrorType> {}
