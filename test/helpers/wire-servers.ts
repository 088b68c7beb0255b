import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { completeBody, encodeStreamPieces, errorBody, streamFrames } from './wire-formats.js';

/**
 * Loopback HTTP servers speaking the wire protocols of Ollama (`/api/chat`, NDJSON streaming),
 * OpenAI (`/v1/chat/completions`, SSE) and Anthropic (`/v1/messages`, SSE events), plus the model
 * endpoints the adapters probe. Each chat request takes the next scripted reply: an answer (streamed
 * or not, as the request asks, with the token counts each API reports), an HTTP error, a hang, a stall
 * after the headers, or raw bytes (truncated JSON, an HTML page), or any of these once a promise the
 * test controls has settled (`after`). Requests are recorded for asserts.
 */
export type WireProtocol = 'ollama' | 'openai' | 'anthropic';

export interface AnswerReply {
  answer: string;
  inputTokens?: number;
  outputTokens?: number;
  /** the API's own finish word (`stop`/`length`, `end_turn`/`max_tokens`) */
  finish?: string;
  /** streamed in this many pieces (default 6) */
  pieces?: number;
  /** between streamed pieces */
  delayMs?: number;
  /** stream: end the body before the final event (`done`, finish_reason, `message_stop`) */
  endEarly?: boolean;
  /** report no usage at all */
  noUsage?: boolean;
}

export type Reply =
  | AnswerReply
  | {
      status: number;
      message?: string;
      headers?: Record<string, string>;
      body?: string;
      contentType?: string;
    }
  | { hang: true }
  | { stall: true; before?: string }
  | { raw: string; contentType: string; status?: number }
  /** nothing until `after` settles (the test says when), then `reply` */
  | { after: Promise<unknown>; reply: Reply };

export type Script = Reply | ((req: RecordedRequest) => Reply);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body as the client sent it
  body: any;
  /** performance.now() when the request had arrived in full */
  at: number;
}

export interface WireServer {
  protocol: WireProtocol;
  /** what the SDK's base URL / host should be */
  url: string;
  /** chat requests, in order */
  requests: RecordedRequest[];
  /** model-endpoint requests (probes) */
  probes: RecordedRequest[];
  /** models the probe endpoints know */
  models: string[];
  script(...replies: Script[]): void;
  close(): Promise<void>;
}

const CHAT: Record<WireProtocol, string> = {
  ollama: '/api/chat',
  openai: '/v1/chat/completions',
  anthropic: '/v1/messages',
};

export async function startWireServer(
  protocol: WireProtocol,
  /** keys: when given, a request without one of them (bearer or x-api-key) gets the API's 401 */
  /** otherwise: the reply when no scripted one is left (default: a 500 saying so) */
  opts: { models?: string[]; replies?: Script[]; keys?: string[]; otherwise?: Script } = {},
): Promise<WireServer> {
  const queue: Script[] = [...(opts.replies ?? [])];
  const requests: RecordedRequest[] = [];
  const probes: RecordedRequest[] = [];
  const models = opts.models ?? [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const rec: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      text,
      body,
      at: performance.now(),
    };
    const path = (req.url ?? '').split('?')[0];
    const key = String(req.headers['x-api-key'] ?? req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (opts.keys && !opts.keys.includes(key)) {
      (req.method === 'GET' ? probes : requests).push(rec);
      return json(res, 401, errorBody(protocol, 401, 'Incorrect API key provided'));
    }
    if (req.method === 'POST' && path === CHAT[protocol]) {
      requests.push(rec);
      const next = queue.shift() ?? opts.otherwise;
      const reply: Reply = next
        ? typeof next === 'function'
          ? next(rec)
          : next
        : { status: 500, message: 'wire server: no scripted reply left' };
      await send(protocol, res, reply, body, timers);
      return;
    }
    if (req.method === 'GET' && isProbe(protocol, path)) {
      probes.push(rec);
      return probe(protocol, path, models, res);
    }
    json(res, 404, { error: `wire server: no route ${req.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    protocol,
    url: protocol === 'openai' ? `${origin}/v1` : origin,
    requests,
    probes,
    models,
    script: (...r) => queue.push(...r),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const wait = (ms: number, timers: Set<NodeJS.Timeout>) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });

async function send(
  protocol: WireProtocol,
  res: ServerResponse,
  reply: Reply,
  // biome-ignore lint/suspicious/noExplicitAny: the request as the client sent it
  body: any,
  timers: Set<NodeJS.Timeout>,
): Promise<void> {
  if ('hang' in reply) return; // keep the socket open, say nothing
  if ('after' in reply) {
    await reply.after.catch(() => {});
    return send(protocol, res, reply.reply, body, timers);
  }
  if ('raw' in reply) {
    res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType });
    res.end(reply.raw);
    return;
  }
  if ('status' in reply) {
    const headers = reply.headers ?? {};
    if (reply.body !== undefined) {
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain', ...headers });
      res.end(reply.body);
      return;
    }
    return json(res, reply.status, errorBody(protocol, reply.status, reply.message), headers);
  }
  const stream = body?.stream === true;
  if ('stall' in reply) {
    res.writeHead(200, {
      'content-type': protocol === 'ollama' ? 'application/x-ndjson' : 'text/event-stream',
    });
    if (reply.before) res.write(encodeStreamPieces(protocol, [reply.before], body)[0]);
    return; // headers (and maybe a piece) sent, then silence
  }
  const usage = { input: reply.inputTokens ?? 100, output: reply.outputTokens ?? 50 };
  if (!stream) return json(res, 200, completeBody(protocol, reply, usage, body));
  res.writeHead(200, {
    'content-type': protocol === 'ollama' ? 'application/x-ndjson' : 'text/event-stream',
    'cache-control': 'no-cache',
  });
  const frames = streamFrames(protocol, reply, usage, body);
  for (const [i, frame] of frames.entries()) {
    if (i > 0 && reply.delayMs) await wait(reply.delayMs, timers);
    if (res.destroyed) return;
    res.write(frame);
  }
  res.end();
}

function isProbe(protocol: WireProtocol, path: string): boolean {
  return protocol === 'ollama' ? path === '/api/tags' : path.startsWith('/v1/models/');
}

function probe(protocol: WireProtocol, path: string, models: string[], res: ServerResponse) {
  if (protocol === 'ollama')
    return json(res, 200, {
      models: models.map((m) => ({
        name: m.includes(':') ? m : `${m}:latest`,
        model: m.includes(':') ? m : `${m}:latest`,
        modified_at: '2025-05-01T10:00:00Z',
        size: 5_200_000_000,
        digest: 'sha256:wire',
        details: { format: 'gguf', family: 'qwen3', parameter_size: '8.2B', quantization_level: 'Q4_K_M' },
      })),
    });
  const id = decodeURIComponent(path.slice('/v1/models/'.length));
  if (!models.includes(id))
    return json(
      res,
      404,
      protocol === 'openai'
        ? {
            error: {
              message: `The model \`${id}\` does not exist or you do not have access to it.`,
              type: 'invalid_request_error',
              param: null,
              code: 'model_not_found',
            },
          }
        : { type: 'error', error: { type: 'not_found_error', message: `model: ${id}` } },
    );
  return json(
    res,
    200,
    protocol === 'openai'
      ? { id, object: 'model', created: 1_721_172_741, owned_by: 'system' }
      : { type: 'model', id, display_name: id, created_at: '2024-10-22T00:00:00Z' },
  );
}
