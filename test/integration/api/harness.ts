import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiServer, type ApiServerInit, startApiServer } from '../../../node/api/index.js';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';

export const EXAMPLE_REGISTRY = join(process.cwd(), 'node', 'semconv', 'example-registry');

export interface Harness {
  home: string;
  node: WeaverNode;
  server: ApiServer;
  url: string;
  token: string;
  /** fetch against the server; `auth: true` adds the right bearer token */
  call(path: string, init?: RequestInit & { auth?: boolean; json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

/** A real node on a temp home and the real HTTP server on a free loopback port. */
export async function startHarness(init: ApiServerInit = {}): Promise<Harness> {
  const home = await mkdtemp(join(tmpdir(), 'weavergen-api-'));
  const config = await loadConfig({ home, api: { port: 0 } }, {});
  const node = await createNode(config);
  const server = await startApiServer(node, { port: 0, ...init });
  const call: Harness['call'] = (path, { auth, json, headers, ...rest } = {}) => {
    const h = new Headers(headers);
    if (auth) h.set('authorization', `Bearer ${node.token}`);
    if (json !== undefined) h.set('content-type', 'application/json');
    return fetch(`${server.url}${path}`, { ...rest, headers: h, ...(json !== undefined ? { method: rest.method ?? 'POST', body: JSON.stringify(json) } : {}) });
  };
  return {
    home,
    node,
    server,
    url: server.url,
    token: node.token,
    call,
    async stop() {
      await server.close();
      await node.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/** Reads a server-sent-events response to its end (or until `timeoutMs`), parsing each event's JSON data. */
export async function readSse(res: Response, timeoutMs = 120_000): Promise<{ events: SseEvent[]; comments: number; ended: boolean }> {
  const events: SseEvent[] = [];
  let comments = 0;
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body!.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel();
  }, timeoutMs);
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        ended = !timedOut;
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        if (lines.every((l) => l.startsWith(':'))) {
          comments++;
          continue;
        }
        const field = (name: string) => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ''));
        events.push({ event: field('event')[0] ?? 'message', id: field('id')[0], data: JSON.parse(field('data').join('\n')) });
      }
    }
  } finally {
    clearTimeout(timer);
  }
  return { events, comments, ended };
}
