import { WeaverError } from '../../errors/index.js';

export enum ModelErrorCode {
  /** the models configuration (or a WEAVERGEN_MODELS entry) is not valid */
  INVALID_CONFIG = 'MODELS_INVALID_CONFIG',
  /** no key / host configured for the provider */
  NOT_CONFIGURED = 'MODELS_NOT_CONFIGURED',
  /** connection refused, DNS failure, reset: nothing answered */
  UNREACHABLE = 'MODELS_UNREACHABLE',
  /** the server does not know the model (404, or an Ollama model that is not pulled) */
  MODEL_NOT_FOUND = 'MODELS_MODEL_NOT_FOUND',
  /** 401/403: the key was refused */
  AUTH = 'MODELS_AUTH',
  /** no answer within the configured timeout (after the SDK's retries) */
  TIMEOUT = 'MODELS_TIMEOUT',
  /** 429 after the SDK's retries */
  RATE_LIMITED = 'MODELS_RATE_LIMITED',
  /** 5xx (or 529 overloaded) after the SDK's retries */
  SERVER_ERROR = 'MODELS_SERVER_ERROR',
  /** 4xx other than the above: the request itself was refused */
  BAD_REQUEST = 'MODELS_BAD_REQUEST',
  /** the configured context window cannot hold even the prompt plus one registry item */
  CONTEXT_TOO_SMALL = 'MODELS_CONTEXT_TOO_SMALL',
  /** the HTTP answer is not what the protocol promises: HTML page, truncated JSON, wrong shape */
  BAD_RESPONSE = 'MODELS_BAD_RESPONSE',
  /** the model's text holds no fenced code block */
  NO_CODE_BLOCKS = 'MODELS_NO_CODE_BLOCKS',
  /** code blocks, but none says which file it is */
  NO_FILES = 'MODELS_NO_FILES',
  /** a file path that is absolute, climbs out with `..` or holds control characters */
  BAD_OUTPUT_PATH = 'MODELS_BAD_OUTPUT_PATH',
  /** two registry chunks answered with the same file */
  DUPLICATE_FILE = 'MODELS_DUPLICATE_FILE',
  /** the answer stopped at the output-token limit (or the stream ended early) */
  TRUNCATED = 'MODELS_TRUNCATED',
  /** the model declined to answer */
  REFUSED = 'MODELS_REFUSED',
  /** the caller's signal aborted the generation */
  CANCELLED = 'MODELS_CANCELLED',
  /** the pack cannot be used: a template pack given to an LLM generator (or a prompt pack to the builtin
   * one), another language, a param it does not allow, a template that does not render */
  BAD_PACK = 'MODELS_BAD_PACK',
  /** every generator of a fallback chain failed */
  FALLBACK_EXHAUSTED = 'MODELS_FALLBACK_EXHAUSTED',
  /** a bug of ours, not of the provider or the pack: reported with its cause rather than thrown raw */
  INTERNAL = 'MODELS_INTERNAL',
}

/** Usage already spent when an error happened (tokens of chunks that did answer). */
export interface SpentUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** One generator's failure inside a fallback chain. */
export interface ModelFailure {
  generator: string;
  code: ModelErrorCode;
  message: string;
}

/** What every model failure may carry besides its code. */
export interface ModelErrorMeta {
  /** generator id, e.g. `openai:gpt-4o-mini` */
  generator?: string;
  /** HTTP attempts made (1 + retries), when known */
  attempts?: number;
  /** spent so far; mutable: a chunked generation adds it to the error of the chunk that failed */
  usage?: SpentUsage;
}

/** The codes of a failed HTTP exchange with the provider: they carry its status when there was one. */
export type ModelRequestErrorCode =
  | ModelErrorCode.UNREACHABLE
  | ModelErrorCode.MODEL_NOT_FOUND
  | ModelErrorCode.AUTH
  | ModelErrorCode.TIMEOUT
  | ModelErrorCode.RATE_LIMITED
  | ModelErrorCode.SERVER_ERROR
  | ModelErrorCode.BAD_REQUEST
  | ModelErrorCode.BAD_RESPONSE
  | ModelErrorCode.CANCELLED
  | ModelErrorCode.INTERNAL;

export type ModelErrorType =
  | ({ code: ModelRequestErrorCode; status?: number } & ModelErrorMeta)
  /** each generator's failure, in the order they were tried */
  | ({ code: ModelErrorCode.FALLBACK_EXHAUSTED; failures: ModelFailure[] } & ModelErrorMeta)
  | ({
      code: Exclude<ModelErrorCode, ModelRequestErrorCode | ModelErrorCode.FALLBACK_EXHAUSTED>;
    } & ModelErrorMeta);

/** Every failure of a generator is a ModelError with a code; nothing else escapes `generate`. */
export class ModelError extends WeaverError<ModelErrorType> {}

/** Failures that say the provider is unavailable right now, not that the request or answer was wrong. */
export const TRANSIENT_CODES: ReadonlySet<ModelErrorCode> = new Set([
  ModelErrorCode.RATE_LIMITED,
  ModelErrorCode.SERVER_ERROR,
  ModelErrorCode.TIMEOUT,
  ModelErrorCode.UNREACHABLE,
]);

export const isModelError = (e: unknown): e is ModelError => e instanceof ModelError;
