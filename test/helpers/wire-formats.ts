import type { AnswerReply, WireProtocol } from './wire-servers.js';

/*
 * The bodies each API sends, as documented and as its SDK parses them: a whole completion, the
 * frames of a stream (NDJSON lines for Ollama, SSE `data:` chunks ending in `[DONE]` for OpenAI,
 * SSE events from `message_start` to `message_stop` for Anthropic) and error bodies.
 */

/** The model the request named (the APIs echo it). */
const MODEL = (body: { model?: string } | undefined, fallback: string) => body?.model ?? fallback;

/** The answer cut in `n` pieces, as a stream delivers it. */
function split(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}

export function completeBody(
  protocol: WireProtocol,
  r: AnswerReply,
  u: { input: number; output: number },
  // biome-ignore lint/suspicious/noExplicitAny: wire bodies
  body: any,
) {
  const finish = r.finish;
  if (protocol === 'ollama')
    return {
      model: MODEL(body, 'qwen3'),
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: r.answer },
      done: true,
      done_reason: finish ?? 'stop',
      total_duration: 1_200_000_000,
      load_duration: 20_000_000,
      ...(r.noUsage ? {} : { prompt_eval_count: u.input, eval_count: u.output }),
      prompt_eval_duration: 300_000_000,
      eval_duration: 800_000_000,
    };
  if (protocol === 'openai')
    return {
      id: 'chatcmpl-wire',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: MODEL(body, 'gpt-4o-mini'),
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: r.answer, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: finish ?? 'stop',
        },
      ],
      ...(r.noUsage
        ? {}
        : {
            usage: {
              prompt_tokens: u.input,
              completion_tokens: u.output,
              total_tokens: u.input + u.output,
              prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
              completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
            },
          }),
      service_tier: 'default',
      system_fingerprint: 'fp_wire',
    };
  return {
    id: 'msg_wire',
    type: 'message',
    role: 'assistant',
    model: MODEL(body, 'claude-3-5-haiku-latest'),
    content: [{ type: 'text', text: r.answer }],
    stop_reason: finish ?? 'end_turn',
    stop_sequence: null,
    usage: r.noUsage
      ? undefined
      : {
          input_tokens: u.input,
          output_tokens: u.output,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          service_tier: 'standard',
        },
  };
}

const sse = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

// biome-ignore lint/suspicious/noExplicitAny: wire bodies
export function encodeStreamPieces(protocol: WireProtocol, pieces: string[], body: any): string[] {
  if (protocol === 'ollama')
    return pieces.map(
      (p) =>
        `${JSON.stringify({
          model: MODEL(body, 'qwen3'),
          created_at: new Date().toISOString(),
          message: { role: 'assistant', content: p },
          done: false,
        })}\n`,
    );
  if (protocol === 'openai')
    return pieces.map((p) =>
      sse({
        id: 'chatcmpl-wire',
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model: MODEL(body, 'gpt-4o-mini'),
        choices: [{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }],
        ...(body?.stream_options?.include_usage ? { usage: null } : {}),
      }),
    );
  return pieces.map((p) =>
    sse(
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } },
      'content_block_delta',
    ),
  );
}

export function streamFrames(
  protocol: WireProtocol,
  r: AnswerReply,
  u: { input: number; output: number },
  // biome-ignore lint/suspicious/noExplicitAny: wire bodies
  body: any,
): string[] {
  const pieces = encodeStreamPieces(protocol, split(r.answer, r.pieces ?? 6), body);
  if (protocol === 'ollama') {
    const done = `${JSON.stringify({
      model: MODEL(body, 'qwen3'),
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: r.finish ?? 'stop',
      total_duration: 1_200_000_000,
      load_duration: 20_000_000,
      ...(r.noUsage ? {} : { prompt_eval_count: u.input, eval_count: u.output }),
      prompt_eval_duration: 300_000_000,
      eval_duration: 800_000_000,
    })}\n`;
    return r.endEarly ? pieces : [...pieces, done];
  }
  if (protocol === 'openai') {
    const base = {
      id: 'chatcmpl-wire',
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: MODEL(body, 'gpt-4o-mini'),
    };
    const withUsage = !!body?.stream_options?.include_usage;
    const first = sse({
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, finish_reason: null }],
      ...(withUsage ? { usage: null } : {}),
    });
    if (r.endEarly) return [first, ...pieces];
    const last = sse({
      ...base,
      choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: r.finish ?? 'stop' }],
      ...(withUsage ? { usage: null } : {}),
    });
    const usage =
      withUsage && !r.noUsage
        ? [
            sse({
              ...base,
              choices: [],
              usage: {
                prompt_tokens: u.input,
                completion_tokens: u.output,
                total_tokens: u.input + u.output,
              },
            }),
          ]
        : [];
    return [first, ...pieces, last, ...usage, sse('[DONE]')];
  }
  const model = MODEL(body, 'claude-3-5-haiku-latest');
  const start = sse(
    {
      type: 'message_start',
      message: {
        id: 'msg_wire',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: r.noUsage
          ? undefined
          : {
              input_tokens: u.input,
              output_tokens: 1,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
            },
      },
    },
    'message_start',
  );
  const blockStart = sse(
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    'content_block_start',
  );
  const ping = sse({ type: 'ping' }, 'ping');
  if (r.endEarly) return [start, blockStart, ping, ...pieces];
  return [
    start,
    blockStart,
    ping,
    ...pieces,
    sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
    sse(
      {
        type: 'message_delta',
        delta: { stop_reason: r.finish ?? 'end_turn', stop_sequence: null },
        usage: r.noUsage ? undefined : { output_tokens: u.output },
      },
      'message_delta',
    ),
    sse({ type: 'message_stop' }, 'message_stop'),
  ];
}

export function errorBody(protocol: WireProtocol, status: number, message?: string) {
  const msg =
    message ??
    (status === 429
      ? 'Rate limit reached for requests'
      : status >= 500
        ? 'The server had an error'
        : 'Bad request');
  if (protocol === 'ollama') return { error: msg };
  if (protocol === 'openai')
    return {
      error: {
        message: msg,
        type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error',
        param: null,
        code: status === 429 ? 'rate_limit_exceeded' : null,
      },
    };
  return {
    type: 'error',
    error: {
      type:
        status === 429
          ? 'rate_limit_error'
          : status === 529
            ? 'overloaded_error'
            : status >= 500
              ? 'api_error'
              : status === 404
                ? 'not_found_error'
                : status === 401
                  ? 'authentication_error'
                  : 'invalid_request_error',
      message: msg,
    },
  };
}
