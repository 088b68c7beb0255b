import { ModelError, ModelErrorCode } from './errors.js';
import { snippet } from './extract.js';
import { BadBodyError, type CallContext, GuardTimeoutError, newCall, withCall } from './fetch-guard.js';

// biome-ignore lint/suspicious/noExplicitAny: the SDKs' error classes have constructors of their own
type Class = abstract new (...args: any[]) => Error;

/** The error classes both Stainless-generated SDKs (openai, @anthropic-ai/sdk) export. */
export interface SdkErrorClasses {
  /** OpenAIError / AnthropicError: every error the SDK raises itself */
  Base: Class;
  APIError: Class;
  APIConnectionError: Class;
  APIConnectionTimeoutError: Class;
  APIUserAbortError: Class;
}

export interface MapContext {
  generator: string;
  /** `OpenAI at https://api.openai.com/v1` */
  where: string;
  timeoutMs: number;
  signal?: AbortSignal;
  call: CallContext;
}

/** What kind of failure an SDK error is, after its own retries: one ModelError code with a clear message. */
export function mapSdkError(e: unknown, classes: SdkErrorClasses, m: MapContext): ModelError {
  const details = { generator: m.generator, attempts: m.call.attempts || undefined };
  const caused = e === undefined ? undefined : { cause: e };
  const tries = m.call.attempts > 1 ? ` after ${m.call.attempts} attempts` : '';
  if (e instanceof ModelError) return e;
  if (m.signal?.aborted)
    return new ModelError(
      { code: ModelErrorCode.CANCELLED, ...details },
      'the generation was cancelled',
      caused,
    );
  if (m.call.timedOut === 'body' || e instanceof GuardTimeoutError || causeIs(e, GuardTimeoutError))
    return new ModelError(
      { code: ModelErrorCode.TIMEOUT, ...details },
      `${m.where} stopped sending for more than ${m.timeoutMs} ms in the middle of its answer`,
      caused,
    );
  if (e instanceof classes.APIConnectionTimeoutError)
    return new ModelError(
      { code: ModelErrorCode.TIMEOUT, ...details },
      `no answer from ${m.where} within ${m.timeoutMs} ms${tries}`,
      caused,
    );
  if (e instanceof classes.APIUserAbortError)
    return new ModelError({ code: ModelErrorCode.CANCELLED, ...details }, 'the request was aborted', caused);
  if (e instanceof classes.APIConnectionError) {
    const cause = (e as Error & { cause?: { message?: string; code?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? e.message;
    return new ModelError(
      { code: ModelErrorCode.UNREACHABLE, ...details },
      `${m.where} is unreachable${tries}: ${why}`,
      caused,
    );
  }
  if (e instanceof classes.APIError) {
    const err = e as Error & { status?: number; error?: unknown };
    const status = err.status;
    const body = err.error as { type?: string; error?: { type?: string; message?: string } } | undefined;
    const type = body?.error?.type ?? body?.type;
    const text = snippet(body?.error?.message ?? err.message, 240);
    const code =
      status === 429 || type === 'rate_limit_error'
        ? ModelErrorCode.RATE_LIMITED
        : status === 401 || status === 403 || type === 'authentication_error'
          ? ModelErrorCode.AUTH
          : status === 404
            ? ModelErrorCode.MODEL_NOT_FOUND
            : status === 408
              ? ModelErrorCode.TIMEOUT
              : (status !== undefined && status >= 500) || type === 'overloaded_error' || type === 'api_error'
                ? ModelErrorCode.SERVER_ERROR
                : status !== undefined
                  ? ModelErrorCode.BAD_REQUEST
                  : ModelErrorCode.BAD_RESPONSE;
    const what =
      code === ModelErrorCode.RATE_LIMITED
        ? 'rate limited'
        : code === ModelErrorCode.SERVER_ERROR
          ? 'server error'
          : code === ModelErrorCode.AUTH
            ? 'the key was refused'
            : code === ModelErrorCode.MODEL_NOT_FOUND
              ? 'model not found'
              : code === ModelErrorCode.BAD_RESPONSE
                ? 'error in the stream'
                : 'request refused';
    return new ModelError(
      { code, ...details, status },
      `${m.where}: ${what}${status ? ` (HTTP ${status})` : ''}${tries}: ${text}`,
      caused,
    );
  }
  if (e instanceof BadBodyError || causeIs(e, BadBodyError))
    return new ModelError(
      { code: ModelErrorCode.BAD_RESPONSE, ...details },
      `${m.where}: ${(e as Error).message}`,
      caused,
    );
  if (e instanceof SyntaxError)
    return new ModelError(
      { code: ModelErrorCode.BAD_RESPONSE, ...details },
      `${m.where} answered with invalid JSON${m.call.contentType ? ` (${m.call.contentType})` : ''}: ${e.message}`,
      caused,
    );
  if (e instanceof classes.Base)
    return new ModelError(
      { code: ModelErrorCode.BAD_RESPONSE, ...details },
      `${m.where}: ${e.message}`,
      caused,
    );
  return new ModelError(
    { code: ModelErrorCode.INTERNAL, ...details },
    `${m.where}: unexpected failure: ${(e as Error)?.message ?? String(e)}`,
    caused,
  );
}

function causeIs(e: unknown, cls: Class): boolean {
  let c = (e as { cause?: unknown })?.cause;
  for (let i = 0; c && i < 5; i++, c = (c as { cause?: unknown }).cause) if (c instanceof cls) return true;
  return false;
}

/** A non-streamed answer whose body was not the JSON object the protocol promises. */
export function notJson(where: string, generator: string, got: unknown, contentType?: string): ModelError {
  return new ModelError(
    { code: ModelErrorCode.BAD_RESPONSE, generator },
    `${where} did not answer with a JSON completion${contentType ? ` (content-type ${contentType})` : ''}: ${
      typeof got === 'string' ? snippet(got) || '(empty body)' : snippet(JSON.stringify(got) ?? String(got))
    }`,
  );
}

/**
 * The reachability probe both SDK adapters run at start: `retrieve` asks for the model (no
 * retries, at most 10 s); failures become ModelErrors, and a missing model says which one.
 */
export async function probeModel(
  retrieve: (options: { signal?: AbortSignal; maxRetries: number; timeout: number }) => Promise<unknown>,
  classes: SdkErrorClasses,
  m: Omit<MapContext, 'call'> & { model: string },
): Promise<void> {
  const call = newCall(m.signal);
  try {
    await withCall(call, () =>
      retrieve({ signal: m.signal, maxRetries: 0, timeout: Math.min(m.timeoutMs, 10_000) }),
    );
  } catch (e) {
    const err = mapSdkError(e, classes, { ...m, call });
    if (err.code === ModelErrorCode.MODEL_NOT_FOUND)
      throw new ModelError(
        { code: ModelErrorCode.MODEL_NOT_FOUND, generator: m.generator },
        `${m.where} does not offer the model ${m.model}`,
      );
    throw err;
  }
}
