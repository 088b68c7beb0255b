import Anthropic, {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { guardedFetch, newCall, withCall } from './fetch-guard.js';
import type { ChatAnswer, ChatClient, ChatRequest } from './llm.js';
import { mapSdkError, notJson, probeModel } from './sdk-errors.js';

export interface AnthropicInit {
  model: string;
  apiKey: string;
  /** ANTHROPIC_BASE_URL's role */
  baseURL?: string;
  /** the SDK's `timeout`: per attempt, until the response starts; also the stall limit of a streamed body */
  timeoutMs: number;
  /** the SDK's `maxRetries` (429, 408, 409, 5xx and 529 overloaded, connection errors and timeouts) */
  maxRetries: number;
  stream: boolean;
  temperature?: number;
  /** the SDK's log level; default: ANTHROPIC_LOG, else off */
  logLevel?: 'off' | 'error' | 'warn' | 'info' | 'debug';
}

const CLASSES = {
  Base: AnthropicError,
  APIError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
};

/** Messages through the official `@anthropic-ai/sdk`, streamed (SSE events) or not. */
export function createAnthropicClient(init: AnthropicInit): ChatClient {
  const client = new Anthropic({
    apiKey: init.apiKey,
    baseURL: init.baseURL,
    timeout: init.timeoutMs,
    maxRetries: init.maxRetries,
    fetch: guardedFetch({ idleTimeoutMs: init.timeoutMs }),
    logLevel: init.logLevel ?? (process.env.ANTHROPIC_LOG ? undefined : 'off'),
  });
  const id = `anthropic:${init.model}`;
  const where = `Anthropic at ${client.baseURL}`;

  const complete = async (req: ChatRequest): Promise<ChatAnswer> => {
    const call = newCall(req.signal, req.onRetry);
    const base = {
      model: init.model,
      max_tokens: req.maxOutputTokens,
      system: req.system,
      messages: [{ role: 'user' as const, content: req.user }],
      ...(init.temperature === undefined ? {} : { temperature: init.temperature }),
    };
    const options = { signal: req.signal };
    try {
      return await withCall(call, async () => {
        if (!init.stream) {
          const r = (await client.messages.create({ ...base, stream: false }, options)) as unknown;
          const m = r as Anthropic.Message;
          if (typeof r !== 'object' || !Array.isArray(m?.content))
            throw notJson(where, id, r, call.contentType);
          const text = m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
          return answer(text, m.stop_reason, m.usage, m.usage?.output_tokens, call.attempts);
        }
        const stream = await client.messages.create({ ...base, stream: true }, options);
        let text = '';
        let stop: string | null | undefined;
        let start: Anthropic.Usage | undefined;
        let output: number | undefined;
        let ended = false;
        let events = 0;
        for await (const ev of stream) {
          events++;
          if (ev.type === 'message_start') {
            start = ev.message.usage;
            output = ev.message.usage?.output_tokens;
          } else if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') {
            text += ev.delta.text;
            req.onText?.(ev.delta.text);
          } else if (ev.type === 'message_delta') {
            stop = ev.delta.stop_reason;
            output = ev.usage?.output_tokens ?? output;
          } else if (ev.type === 'message_stop') ended = true;
        }
        if (req.signal?.aborted) throw req.signal.reason;
        if (!start && events === 0)
          throw notJson(where, id, '(a stream without message events)', call.contentType);
        return answer(text, ended ? (stop ?? 'end_turn') : undefined, start, output, call.attempts);
      });
    } catch (e) {
      throw mapSdkError(e, CLASSES, {
        generator: id,
        where,
        timeoutMs: init.timeoutMs,
        signal: req.signal,
        call,
      });
    }
  };

  return {
    kind: 'anthropic',
    model: init.model,
    id,
    complete,
    probe: (signal) =>
      probeModel((o) => client.models.retrieve(init.model, {}, o), CLASSES, {
        generator: id,
        where,
        model: init.model,
        timeoutMs: init.timeoutMs,
        signal,
      }),
  };
}

/** Input tokens include prompt-cache reads and writes: they are input the request carried. */
function answer(
  text: string,
  stop: string | null | undefined,
  usage: Partial<Anthropic.Usage> | undefined,
  outputTokens: number | undefined,
  attempts: number,
): ChatAnswer {
  return {
    text,
    inputTokens:
      (usage?.input_tokens ?? 0) +
      (usage?.cache_creation_input_tokens ?? 0) +
      (usage?.cache_read_input_tokens ?? 0),
    outputTokens: outputTokens ?? 0,
    usageReported: usage?.input_tokens !== undefined,
    finish:
      stop === 'max_tokens' || stop === 'model_context_window_exceeded'
        ? 'length'
        : stop === 'refusal'
          ? 'refusal'
          : stop
            ? 'stop'
            : 'incomplete',
    finishDetail: stop ?? undefined,
    attempts,
  };
}
