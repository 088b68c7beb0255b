import { WeaverError } from '../../errors/index.js';

export enum GenerationErrorCode {
  TEMPLATE_PARSE = 'GENERATION_TEMPLATE_PARSE',
  TEMPLATE_RENDER = 'GENERATION_TEMPLATE_RENDER',
  LIMIT_EXCEEDED = 'GENERATION_LIMIT_EXCEEDED',
  BAD_OUTPUT_PATH = 'GENERATION_BAD_OUTPUT_PATH',
  BAD_PARAM = 'GENERATION_BAD_PARAM',
}

/** Which limit or budget stopped a render (the metadata of LIMIT_EXCEEDED). */
export type RenderLimitKind =
  | 'parse'
  | 'render'
  | 'memory'
  | 'string'
  | 'output'
  | 'files'
  | 'candidate-time'
  | 'candidate-heap'
  | 'generation-time';

export type GenerationErrorType =
  | { code: GenerationErrorCode.TEMPLATE_PARSE; template: string }
  | { code: GenerationErrorCode.TEMPLATE_RENDER; template: string }
  /**
   * a limit stopped the render: one of LiquidJS's (parse, render time, memory), one of ours (a string
   * grown past the cap, output characters, files) or a worker budget (the candidate's time or heap, the
   * generation's render time: the worker was terminated). `template` is the one running, when known.
   */
  | { code: GenerationErrorCode.LIMIT_EXCEEDED; template: string; limit: RenderLimitKind }
  /** the template's rendered output path is absolute, climbs out or holds control characters */
  | { code: GenerationErrorCode.BAD_OUTPUT_PATH; template: string; path: string }
  | { code: GenerationErrorCode.BAD_PARAM; param: string };

export class GenerationError extends WeaverError<GenerationErrorType> {}
