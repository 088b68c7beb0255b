import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback server speaking OpenAI's chat-completions wire protocol (non-streaming) that replays
 * recorded answers in order: the benchmark drives the real SDK and the product's adapter with it.
 */
export interface RecordedModel {
  url: string;
  /** answers for the next requests, in order */
  queue(...answers: string[]): void;
  requests: number;
  close(): Promise<void>;
}

export async function startRecordedModel(model: string): Promise<RecordedModel> {
  const answers: string[] = [];
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (status: number, json: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.method === 'GET' && req.url?.startsWith('/v1/models'))
        return send(200, { id: model, object: 'model', created: 0, owned_by: 'bench' });
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions'))
        return send(404, { error: { message: 'not found' } });
      state.requests++;
      const answer = answers.shift() ?? 'No recorded answer left.';
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
    queue: (...a) => answers.push(...a),
    get requests() {
      return state.requests;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
