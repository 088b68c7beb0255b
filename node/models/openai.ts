import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from 'openai';
import { guardedFetch, newCall, withCall } from './fetch-guard.js';
import type { ChatAnswer, ChatClient, ChatRequest } from './llm.js';
import { mapSdkError, notJson, probeModel } from './sdk-errors.js';

export interface OpenAIInit {
  model: string;
  apiKey: string;
  /** OPENAI_BASE_URL's role: an OpenAI-compatible server (vLLM, LM Studio, a proxy) */
  baseURL?: string;
  organization?: string;
  /** the SDK's `timeout`: per attempt, until the response starts; also the stall limit of a streamed body */
  timeoutMs: number;
  /** the SDK's `maxRetries` (429, 408, 409, 5xx, connection errors and timeouts) */
  maxRetries: number;
  stream: boolean;
  /** omitted when undefined: reasoning models accept only their default */
  temperature?: number;
  /** ask for usage in streamed answers (`stream_options.include_usage`); default true */
  streamUsage?: boolean;
  /** the SDK's log level; default: OPENAI_LOG, else off (its messages would interleave with ours) */
  logLevel?: 'off' | 'error' | 'warn' | 'info' | 'debug';
}

const CLASSES = {
  Base: OpenAIError,
  APIError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
};

/** Chat completions through the official `openai` SDK (v6), streamed (SSE) or not. */
export function createOpenAIClient(init: OpenAIInit): ChatClient {
  const client = new OpenAI({
    apiKey: init.apiKey,
    baseURL: init.baseURL,
    organization: init.organization,
    timeout: init.timeoutMs,
    maxRetries: init.maxRetries,
    fetch: guardedFetch({ idleTimeoutMs: init.timeoutMs }),
    logLevel: init.logLevel ?? (process.env.OPENAI_LOG ? undefined : 'off'),
  });
  const id = `openai:${init.model}`;
  const where = `OpenAI at ${client.baseURL}`;

  const complete = async (req: ChatRequest): Promise<ChatAnswer> => {
    const call = newCall(req.signal, req.onRetry);
    const messages = [
      { role: 'system' as const, content: req.system },
      { role: 'user' as const, content: req.user },
    ];
    const base = {
      model: init.model,
      messages,
      max_completion_tokens: req.maxOutputTokens,
      ...(init.temperature === undefined ? {} : { temperature: init.temperature }),
    };
    const options = { signal: req.signal };
    try {
      return await withCall(call, async () => {
        if (!init.stream) {
          const r = (await client.chat.completions.create({ ...base, stream: false }, options)) as unknown;
          const choice = (r as OpenAI.ChatCompletion)?.choices?.[0];
          if (typeof r !== 'object' || !choice?.message) throw notJson(where, id, r, call.contentType);
          const usage = (r as OpenAI.ChatCompletion).usage;
          const refused = !!choice.message.refusal && !choice.message.content;
          return answer(
            choice.message.content ?? '',
            refused ? 'refusal' : choice.finish_reason,
            usage,
            call.attempts,
          );
        }
        const stream = await client.chat.completions.create(
          {
            ...base,
            stream: true,
            ...(init.streamUsage === false ? {} : { stream_options: { include_usage: true } }),
          },
          options,
        );
        let text = '';
        let finish: string | null | undefined;
        let usage: OpenAI.CompletionUsage | undefined;
        let events = 0;
        let refusal = '';
        for await (const chunk of stream) {
          events++;
          const choice = chunk.choices?.[0];
          refusal += choice?.delta?.refusal ?? '';
          const delta = choice?.delta?.content;
          if (delta) {
            text += delta;
            req.onText?.(delta);
          }
          if (choice?.finish_reason) finish = choice.finish_reason;
          if (chunk.usage) usage = chunk.usage;
        }
        if (req.signal?.aborted) throw req.signal.reason;
        if (events === 0) throw notJson(where, id, '(a stream without completion chunks)', call.contentType);
        return answer(text, refusal && !text ? 'refusal' : finish, usage, call.attempts);
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
    kind: 'openai',
    model: init.model,
    id,
    complete,
    probe: (signal) =>
      probeModel((o) => client.models.retrieve(init.model, o), CLASSES, {
        generator: id,
        where,
        model: init.model,
        timeoutMs: init.timeoutMs,
        signal,
      }),
  };
}

function answer(
  text: string,
  finish: string | null | undefined,
  usage: OpenAI.CompletionUsage | undefined | null,
  attempts: number,
): ChatAnswer {
  return {
    text,
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    usageReported: !!usage,
    finish:
      finish === 'length'
        ? 'length'
        : finish === 'content_filter' || finish === 'refusal'
          ? 'refusal'
          : finish
            ? 'stop'
            : 'incomplete',
    finishDetail: finish ?? undefined,
    attempts,
  };
}
