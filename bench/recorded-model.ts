import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a recording is looked up by: the model asked and the prompt it was sent. */
export interface RecordedRequest {
  model: string;
  system: string;
  /** the last user message */
  user: string;
}

/**
 * A loopback server speaking OpenAI's chat-completions wire protocol (non-streaming) that answers
 * with `respond(request)`: a function of the request alone (the benchmark's simulated model,
 * bench/sim/model.ts), so the same request gets the same answer whatever order concurrent candidates
 * arrive in. The benchmark drives the real SDK and the product's adapter with it. Token counts are
 * the prompt's and the answer's length over 4. A request `respond` cannot answer gets a 400, and its
 * message is kept in `errors`.
 */
export interface RecordedModel {
  url: string;
  requests: number;
  errors: string[];
  close(): Promise<void>;
}

export async function startRecordedModel(respond: (req: RecordedRequest) => string): Promise<RecordedModel> {
  const state = { requests: 0, errors: [] as string[] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (status: number, json: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      // the adapters' reachability probe
      if (req.method === 'GET' && req.url?.startsWith('/v1/models'))
        return send(200, {
          id: decodeURIComponent(req.url.split('/')[3] ?? 'recorded'),
          object: 'model',
          created: 0,
          owned_by: 'bench',
        });
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions'))
        return send(404, { error: { message: 'not found' } });
      state.requests++;
      let answer: string;
      let model = 'recorded';
      try {
        const parsed = JSON.parse(body) as { model: string; messages: { role: string; content: string }[] };
        model = parsed.model;
        const text = (role: string) =>
          parsed.messages
            .filter((m) => m.role === role)
            .map((m) => m.content)
            .join('\n');
        answer = respond({ model, system: text('system'), user: parsed.messages.at(-1)?.content ?? '' });
      } catch (e) {
        state.errors.push((e as Error).message);
        return send(400, {
          error: { message: `the model cannot answer this request: ${(e as Error).message}` },
        });
      }
      send(200, {
        id: `chatcmpl-${state.requests}`,
        object: 'chat.completion',
        created: 0,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: Math.ceil(body.length / 4),
          completion_tokens: Math.ceil(answer.length / 4),
          total_tokens: Math.ceil((body.length + answer.length) / 4),
        },
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    errors: state.errors,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
