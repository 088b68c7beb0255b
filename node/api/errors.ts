import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Typed API errors. Every rejection of a request is one of these: the handler throws, the app's
 * error handler answers `{error: {code, message, details?}}` with the code's status and counts the
 * rejection under the code's reason (lowercase code) for /v1/health.
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
  INTERNAL: 'INTERNAL',
} as const;

export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

export const API_ERROR_STATUS: Record<ApiErrorCode, ContentfulStatusCode> = {
  UNAUTHORIZED: 401,
  MALFORMED_JSON: 400,
  INVALID_BODY: 400,
  INVALID_QUERY: 400,
  INVALID_PARAM: 400,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REGISTRY_UNREADABLE: 422,
  NO_MODELS: 409,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    /** extra response headers, e.g. WWW-Authenticate or Allow */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): ContentfulStatusCode {
    return API_ERROR_STATUS[this.code];
  }

  /** the key under which the rejection is counted in /v1/health */
  get reason(): string {
    return this.code.toLowerCase();
  }

  toJSON(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}
