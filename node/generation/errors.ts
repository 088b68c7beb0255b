import { WeaverError } from '../../errors/index.js';

export enum GenerationErrorCode {
  TEMPLATE_PARSE = 'GENERATION_TEMPLATE_PARSE',
  TEMPLATE_RENDER = 'GENERATION_TEMPLATE_RENDER',
  LIMIT_EXCEEDED = 'GENERATION_LIMIT_EXCEEDED',
  BAD_OUTPUT_PATH = 'GENERATION_BAD_OUTPUT_PATH',
  BAD_PARAM = 'GENERATION_BAD_PARAM',
}

export type GenerationErrorType =
  | { code: GenerationErrorCode.TEMPLATE_PARSE; template: string }
  | { code: GenerationErrorCode.TEMPLATE_RENDER; template: string }
  /** a sandbox limit (parse, render time, memory) or an output limit (characters, files) stopped the template */
  | { code: GenerationErrorCode.LIMIT_EXCEEDED; template: string }
  /** the template's rendered output path is absolute, climbs out or holds control characters */
  | { code: GenerationErrorCode.BAD_OUTPUT_PATH; template: string; path: string }
  | { code: GenerationErrorCode.BAD_PARAM; param: string };

export class GenerationError extends WeaverError<GenerationErrorType> {}
