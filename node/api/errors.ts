import { WeaverError } from '../../errors/index.js';

/**
 * The API's own codes: every rejection of a request by the API is one of these (errors of the parts
 * keep their own codes). The app's error handler answers `{error: {code, message, details?}}` with
 * the status of node/errors.ts's table and counts the rejection under its reason (the lowercase
 * code) for /v1/health.
 */
export const ApiErrorCode = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  MALFORMED_JSON: 'MALFORMED_JSON',
  INVALID_BODY: 'INVALID_BODY',
  INVALID_QUERY: 'INVALID_QUERY',
  INVALID_PARAM: 'INVALID_PARAM',
  NOT_FOUND: 'NOT_FOUND',
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  REGISTRY_UNREADABLE: 'REGISTRY_UNREADABLE',
  /** a task needs a chat model and none is configured or reachable */
  NO_MODELS: 'NO_MODELS',
  UNAVAILABLE: 'UNAVAILABLE',
  /** too many writes with this token: wait for Retry-After */
  RATE_LIMITED: 'RATE_LIMITED',
  /** the client went away before its body arrived (not the node's fault; counted, not logged as a bug) */
  BODY_ABORTED: 'BODY_ABORTED',
  INTERNAL: 'INTERNAL',
} as const;

export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown };
}

export interface ApiErrorType {
  code: ApiErrorCode;
  details?: unknown;
  /** extra response headers, e.g. WWW-Authenticate or Allow */
  headers?: Record<string, string>;
}

/** A rejection of a request by the API itself; its status comes from the one table (node/errors.ts). */
export class ApiError extends WeaverError<ApiErrorType> {
  constructor(code: ApiErrorCode, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super({ code, details, headers }, message);
  }
}
