import { WeaverError } from '../../errors/index.js';

/** Errors of the Weaver-compatible template engine (registry generate). */
export enum WeaverForgeErrorCode {
  /** no templates/registry/<target> folder */
  TARGET_NOT_FOUND = 'WEAVER_TARGET_NOT_FOUND',
  /** weaver.yaml does not parse or has unknown keys */
  INVALID_CONFIG = 'WEAVER_INVALID_CONFIG',
  /** a jq filter does not compile or fails on the registry */
  FILTER_FAILED = 'WEAVER_FILTER_FAILED',
  /** a template does not parse or fails while rendering (fuel included) */
  TEMPLATE_FAILED = 'WEAVER_TEMPLATE_FAILED',
  /** a generated file's name leaves the output folder */
  OUTPUT_ESCAPES = 'WEAVER_OUTPUT_ESCAPES',
  /** the whole generation ran past its time or output budget */
  LIMIT_EXCEEDED = 'WEAVER_LIMIT_EXCEEDED',
}

export type WeaverForgeErrorType =
  | { code: WeaverForgeErrorCode.TARGET_NOT_FOUND; target: string; templates: string; available: string[] }
  | { code: WeaverForgeErrorCode.INVALID_CONFIG; file: string }
  | { code: WeaverForgeErrorCode.FILTER_FAILED; template: string; filter: string }
  | { code: WeaverForgeErrorCode.TEMPLATE_FAILED; template: string }
  | { code: WeaverForgeErrorCode.OUTPUT_ESCAPES; template: string; fileName: string }
  | { code: WeaverForgeErrorCode.LIMIT_EXCEEDED; limit: 'timeMs' | 'outputBytes' | 'files'; value: number };

export class WeaverForgeError extends WeaverError<WeaverForgeErrorType> {}
