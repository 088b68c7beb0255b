export enum GenerationErrorCode {
  TEMPLATE_PARSE = 'GENERATION_TEMPLATE_PARSE',
  TEMPLATE_RENDER = 'GENERATION_TEMPLATE_RENDER',
  LIMIT_EXCEEDED = 'GENERATION_LIMIT_EXCEEDED',
  BAD_OUTPUT_PATH = 'GENERATION_BAD_OUTPUT_PATH',
  BAD_PARAM = 'GENERATION_BAD_PARAM',
}

export class GenerationError extends Error {
  constructor(
    readonly code: GenerationErrorCode,
    message: string,
    readonly template?: string,
  ) {
    super(message);
    this.name = 'GenerationError';
  }
}
