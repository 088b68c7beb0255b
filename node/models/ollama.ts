import { type ChatResponse, Ollama } from 'ollama';
import { ModelError, ModelErrorCode, TRANSIENT_CODES } from './errors.js';
import { BadBodyError, type CallContext, guardedFetch, newCall, sleep, withCall } from './fetch-guard.js';
import type { ChatAnswer, ChatClient, ChatRequest } from './llm.js';
import { notJson } from './sdk-errors.js';

export interface OllamaInit {
  model: string;
  /** OLLAMA_HOST's role: `http://127.0.0.1:11434`, `ollama.lan:11434`, `:11434` */
  host: string;
  /**
   * The Ollama SDK has no timeout: this one is applied by the `fetch` it is given, to the response
   * headers and to every stall of the body (so a slow but steady stream is fine)
   */
  timeoutMs: number;
  /** nor retries: the adapter retries 429, 5xx, connection errors and timeouts like the other SDKs do */
  maxRetries: number;
  stream: boolean;
  temperature?: number;
  /** sent as `options.num_ctx`: Ollama's own default window is small and silently truncates prompts */
  contextTokens: number;
  keepAlive?: string | number;
  headers?: Record<string, string>;
  /** first retry delay (doubling, at most 8 s) when the server sends no Retry-After; default 500 ms */
  retryBaseDelayMs?: number;
}

/** Chat through the official `ollama` SDK (0.6): NDJSON streaming or one JSON answer. */
export function createOllamaClient(init: OllamaInit): ChatClient {
  const guard = { ndjson: true, jsonErrors: true } as const;
  const client = new Ollama({
    host: init.host,
    headers: init.headers,
    fetch: guardedFetch({ ...guard, headersTimeoutMs: init.timeoutMs, idleTimeoutMs: init.timeoutMs }),
  });
  const probeClient = new Ollama({
    host: init.host,
    headers: init.headers,
    fetch: guardedFetch({ ...guard, headersTimeoutMs: Math.min(init.timeoutMs, 5000), idleTimeoutMs: 5000 }),
  });
  const id = `ollama:${init.model}`;
  const where = `Ollama at ${(client as unknown as { config: { host: string } }).config.host}`;
  const base = init.retryBaseDelayMs ?? 500;

  const once = async (req: ChatRequest, call: CallContext, received: () => void): Promise<ChatAnswer> => {
    const request = {
      model: init.model,
      messages: [
        { role: 'system', content: req.system },
        { role: 'user', content: req.user },
      ],
      options: {
        num_ctx: init.contextTokens,
        num_predict: req.maxOutputTokens,
        ...(init.temperature === undefined ? {} : { temperature: init.temperature }),
      },
      ...(init.keepAlive === undefined ? {} : { keep_alive: init.keepAlive }),
    };
    if (!init.stream) {
      const r = (await client.chat({ ...request, stream: false })) as unknown;
      const m = r as ChatResponse;
      if (typeof r !== 'object' || typeof m?.message?.content !== 'string')
        throw notJson(where, id, r, call.contentType);
      return answer(m.message.content, m, call.attempts);
    }
    const parts = await client.chat({ ...request, stream: true });
    let text = '';
    let final: ChatResponse | undefined;
    try {
      for await (const part of parts) {
        const delta = part.message?.content;
        if (delta) {
          received();
          text += delta;
          req.onText?.(delta);
        }
        if (part.done) final = part;
      }
    } catch (e) {
      const err = e as Error;
      // the SDK's own words for a stream without its `done` line, and for an `{"error": ...}` line
      if (err?.constructor === Error && /did not receive done/i.test(err.message))
        return answer(text, undefined, call.attempts);
      if (err?.constructor === Error && !call.timedOut && !req.signal?.aborted)
        throw new ModelError(
          { code: ModelErrorCode.SERVER_ERROR, generator: id },
          `${where} reported an error mid-answer: ${err.message}`,
        );
      throw e;
    }
    return answer(text, final, call.attempts);
  };

  const complete = (req: ChatRequest): Promise<ChatAnswer> => {
    const call = newCall(req.signal, req.onRetry);
    return withCall(call, async () => {
      for (let attempt = 0; ; attempt++) {
        let received = false;
        try {
          return await once(req, call, () => {
            received = true;
          });
        } catch (e) {
          const err = mapOllamaError(e, call, req.signal);
          if (!TRANSIENT_CODES.has(err.code) || received || attempt >= init.maxRetries) throw err;
          const wait =
            call.retryAfterMs !== undefined && call.retryAfterMs >= 0 && call.retryAfterMs <= 60_000
              ? call.retryAfterMs
              : Math.min(base * 2 ** attempt, 8000) * (1 - Math.random() * 0.25);
          call.timedOut = undefined;
          await sleep(wait, req.signal).catch(() => {
            throw new ModelError(
              { code: ModelErrorCode.CANCELLED, generator: id },
              'the generation was cancelled',
            );
          });
        }
      }
    });
  };

  const mapOllamaError = (e: unknown, call: CallContext, signal?: AbortSignal): ModelError => {
    const details = { generator: id, attempts: call.attempts || undefined };
    const caused = e === undefined ? undefined : { cause: e };
    const tries = call.attempts > 1 ? ` after ${call.attempts} attempts` : '';
    if (e instanceof ModelError) return e;
    if (signal?.aborted)
      return new ModelError(
        { code: ModelErrorCode.CANCELLED, ...details },
        'the generation was cancelled',
        caused,
      );
    if (call.timedOut)
      return new ModelError(
        { code: ModelErrorCode.TIMEOUT, ...details },
        call.timedOut === 'headers'
          ? `no answer from ${where} within ${init.timeoutMs} ms${tries}`
          : `${where} stopped sending for more than ${init.timeoutMs} ms in the middle of its answer`,
        caused,
      );
    const err = e as Error & { status_code?: number; cause?: { code?: string; message?: string } };
    if (err?.name === 'ResponseError' && typeof err.status_code === 'number') {
      const s = err.status_code;
      const code =
        s === 429
          ? ModelErrorCode.RATE_LIMITED
          : s === 404
            ? ModelErrorCode.MODEL_NOT_FOUND
            : s === 401 || s === 403
              ? ModelErrorCode.AUTH
              : s >= 500
                ? ModelErrorCode.SERVER_ERROR
                : ModelErrorCode.BAD_REQUEST;
      const hint = code === ModelErrorCode.MODEL_NOT_FOUND ? ` (ollama pull ${init.model})` : '';
      return new ModelError(
        { code, ...details, status: s },
        `${where}: HTTP ${s}${tries}: ${err.message}${hint}`,
        caused,
      );
    }
    if (e instanceof BadBodyError)
      return new ModelError(
        { code: ModelErrorCode.BAD_RESPONSE, ...details },
        `${where}: ${err.message}`,
        caused,
      );
    if (e instanceof SyntaxError)
      return new ModelError(
        { code: ModelErrorCode.BAD_RESPONSE, ...details },
        `${where} answered with invalid JSON${call.contentType ? ` (${call.contentType})` : ''}: ${err.message}`,
        caused,
      );
    if (e instanceof TypeError && (err.cause || /fetch failed/i.test(err.message)))
      return new ModelError(
        { code: ModelErrorCode.UNREACHABLE, ...details },
        `${where} is unreachable${tries}: ${err.cause?.code ?? err.cause?.message ?? err.message}`,
        caused,
      );
    return new ModelError(
      { code: ModelErrorCode.INTERNAL, ...details },
      `${where}: unexpected failure: ${err?.message ?? String(e)}`,
      caused,
    );
  };

  return {
    kind: 'ollama',
    model: init.model,
    id,
    complete,
    async probe(signal) {
      const call = newCall(signal);
      const list = await withCall(call, () => probeClient.list()).catch((e) => {
        throw mapOllamaError(e, call, signal);
      });
      const names = (list?.models ?? []).map((m) => m.name ?? m.model);
      const wanted = init.model.includes(':') ? [init.model] : [init.model, `${init.model}:latest`];
      if (!names.some((n) => wanted.includes(n)))
        throw new ModelError(
          { code: ModelErrorCode.MODEL_NOT_FOUND, generator: id },
          `${where} has no model ${init.model} (ollama pull ${init.model}); it has: ${names.join(', ') || 'none'}`,
        );
    },
  };
}

function answer(text: string, final: ChatResponse | undefined, attempts: number): ChatAnswer {
  return {
    text,
    inputTokens: final?.prompt_eval_count ?? 0,
    outputTokens: final?.eval_count ?? 0,
    usageReported: final?.eval_count !== undefined,
    finish: !final ? 'incomplete' : final.done_reason === 'length' ? 'length' : 'stop',
    finishDetail: final?.done_reason,
    attempts,
  };
}
