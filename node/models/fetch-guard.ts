import { AsyncLocalStorage } from 'node:async_hooks';
import { snippet } from './extract.js';

/**
 * What one adapter call learned from the HTTP layer below its SDK: how many attempts the SDK made
 * (retries included), the last status and Retry-After, and whether our own timers fired. The SDKs
 * take a `fetch` option; ours runs inside the call's async context, so it can account per call.
 */
export interface CallContext {
  attempts: number;
  lastStatus?: number;
  retryAfterMs?: number;
  contentType?: string;
  /** set when the guard gave up: 'headers' (no response in time) or 'body' (the body went idle) */
  timedOut?: 'headers' | 'body';
  /** aborts every attempt of this call (the caller's cancellation) */
  signal?: AbortSignal;
  onRetry?: (attempt: number, previousStatus?: number) => void;
}

const calls = new AsyncLocalStorage<CallContext>();

export function newCall(signal?: AbortSignal, onRetry?: CallContext['onRetry']): CallContext {
  return { attempts: 0, signal, onRetry };
}

export function withCall<T>(ctx: CallContext, fn: () => Promise<T>): Promise<T> {
  return calls.run(ctx, fn);
}

/** The guard gave up waiting (for the headers or for the next bytes of the body). */
export class GuardTimeoutError extends Error {
  constructor(
    readonly phase: 'headers' | 'body',
    readonly ms: number,
  ) {
    super(
      phase === 'headers'
        ? `no response within ${ms} ms`
        : `the response body stalled for more than ${ms} ms`,
    );
    this.name = 'GuardTimeoutError';
  }
}

/** The body breaks the protocol (a line of an NDJSON stream that is not JSON). */
export class BadBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadBodyError';
  }
}

export interface GuardOptions {
  /** give up when no response headers arrive within this (the Ollama SDK has no timeout of its own) */
  headersTimeoutMs?: number;
  /** give up when the body sends nothing for this long (the SDKs' timeouts end at the headers) */
  idleTimeoutMs?: number;
  /** check every line of an NDJSON body (or of a successful body that claims no JSON type) is JSON */
  ndjson?: boolean;
  /** turn a non-JSON error body (an HTML error page) into `{"error": "..."}` (what the Ollama SDK reads) */
  jsonErrors?: boolean;
  base?: typeof fetch;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

/** A `fetch` for an SDK's `fetch` option: per-call accounting, header and idle timeouts, body checks. */
export function guardedFetch(opts: GuardOptions = {}): typeof fetch {
  const base = opts.base ?? globalThis.fetch;
  return async (input, init = {}) => {
    const ctx = calls.getStore();
    if (ctx) {
      ctx.attempts++;
      if (ctx.attempts > 1) ctx.onRetry?.(ctx.attempts, ctx.lastStatus);
    }
    const signals = [init.signal, ctx?.signal].filter((s): s is AbortSignal => !!s);
    let timer: NodeJS.Timeout | undefined;
    if (opts.headersTimeoutMs) {
      const ms = opts.headersTimeoutMs;
      const ac = new AbortController();
      timer = setTimeout(() => {
        if (ctx) ctx.timedOut = 'headers';
        ac.abort(new GuardTimeoutError('headers', ms));
      }, ms);
      signals.push(ac.signal);
    }
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    let res: Response;
    try {
      res = await base(input, { ...init, signal });
    } finally {
      clearTimeout(timer);
    }
    const contentType = res.headers.get('content-type') ?? '';
    if (ctx) {
      ctx.lastStatus = res.status;
      ctx.contentType = contentType;
      ctx.retryAfterMs = retryAfterMs(res.headers);
    }
    if (opts.jsonErrors && !res.ok && !contentType.includes('json')) {
      const text = await res.text().catch(() => '');
      const headers = new Headers(res.headers);
      headers.set('content-type', 'application/json');
      headers.delete('content-length');
      return new Response(
        JSON.stringify({ error: `HTTP ${res.status}${text ? `: ${snippet(text)}` : ''}` }),
        { status: res.status, statusText: res.statusText, headers },
      );
    }
    if (!res.body || NULL_BODY.has(res.status) || !(opts.idleTimeoutMs || opts.ndjson)) return res;
    // an Ollama body is NDJSON (or one JSON object): anything else (an HTML page) fails the line check
    const ndjson =
      !!opts.ndjson && res.ok && (contentType.includes('ndjson') || !contentType.includes('json'));
    return guardBody(res, opts.idleTimeoutMs, ndjson ? contentType || 'no content-type' : undefined, ctx);
  };
}

/** `ndjson`: the body's content type when its lines must be JSON, else undefined */
function guardBody(
  res: Response,
  idleMs: number | undefined,
  ndjson: string | undefined,
  ctx?: CallContext,
): Response {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const checkLines = (chunk: string, final: boolean) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = final ? '' : (lines.pop() ?? '');
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        JSON.parse(line);
      } catch {
        throw new BadBodyError(`the server sent a line that is not JSON (${ndjson}): ${snippet(line, 120)}`);
      }
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const read = reader.read();
        const { done, value } = idleMs
          ? await Promise.race([
              read,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => {
                  if (ctx) ctx.timedOut = 'body';
                  reject(new GuardTimeoutError('body', idleMs));
                }, idleMs);
              }),
            ])
          : await read;
        clearTimeout(timer);
        if (done) {
          if (ndjson) checkLines(decoder.decode(), true);
          controller.close();
          return;
        }
        if (ndjson) checkLines(decoder.decode(value, { stream: true }), false);
        controller.enqueue(value);
      } catch (e) {
        clearTimeout(timer);
        reader.cancel(e).catch(() => {});
        controller.error(e);
      }
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
  const out = new Response(stream, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(out, 'url', { value: res.url });
  return out;
}

/** `retry-after-ms` (OpenAI's), else `retry-after` in seconds or as an HTTP date. */
function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const s = Number.parseFloat(raw);
  if (Number.isFinite(s)) return s * 1000;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** Sleeps `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
