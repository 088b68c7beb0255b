import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type ApiServer, type ApiServerInit, startApiServer } from '../../../node/api/index.js';
import { type ConfigInput, loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { providePythonApi } from '../../helpers/python-api.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';

export { MINI_REGISTRY };

// the API tests generate Python through a real node and expect a validated winner: where
// opentelemetry-api is not installed, the stand-in (python-api.ts) keeps that independent of the
// arms the node draws (the missing-API path is tested in validation/python.test.ts)
providePythonApi();

// biome-ignore lint/suspicious/noExplicitAny: response bodies are what the assertions check
export type Json = any;

/** A fetch Response whose JSON body the tests read without casts. */
export interface JsonResponse extends Response {
  json(): Promise<Json>;
}

export const asJson = (res: Response): JsonResponse => res as JsonResponse;

export interface Harness {
  home: string;
  node: WeaverNode;
  server: ApiServer;
  url: string;
  token: string;
  /** fetch against the server; `auth: true` adds the right bearer token */
  call(path: string, init?: RequestInit & { auth?: boolean; json?: unknown }): Promise<JsonResponse>;
  stop(): Promise<void>;
}

/** A real node on a temp home and the real HTTP server on a free loopback port. */
export async function startHarness(
  init: ApiServerInit = {},
  generation: Partial<NonNullable<ConfigInput['generation']>> = {},
  /** model generators of the node (e.g. one served by a wire server of the test's) */
  models?: ConfigInput['models'],
  api: Partial<NonNullable<ConfigInput['api']>> = {},
): Promise<Harness> {
  const home = await mkdtemp(join(tmpdir(), 'weavergen-api-'));
  const config = await loadConfig(
    { home, api: { port: 0, ...api }, generation, ...(models ? { models } : {}) },
    {},
  );
  const node = await createNode(config);
  const server = await startApiServer(node, { port: 0, ...init });
  const call: Harness['call'] = async (path, { auth, json, headers, ...rest } = {}) => {
    const h = new Headers(headers);
    if (auth) h.set('authorization', `Bearer ${node.token}`);
    if (json !== undefined) h.set('content-type', 'application/json');
    return asJson(
      await fetch(`${server.url}${path}`, {
        ...rest,
        headers: h,
        ...(json !== undefined ? { method: rest.method ?? 'POST', body: JSON.stringify(json) } : {}),
      }),
    );
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

/**
 * Reads a server-sent-events response to its end (or until `timeoutMs`), parsing each event's JSON
 * data; `onComment` is called as each comment (keep-alive) arrives.
 */
export async function readSse(
  res: Response,
  timeoutMs = 120_000,
  onComment?: () => void,
): Promise<{ events: SseEvent[]; comments: number; ended: boolean }> {
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
          onComment?.();
          continue;
        }
        const field = (name: string) =>
          lines
            .filter((l) => l.startsWith(`${name}:`))
            .map((l) => l.slice(name.length + 1).replace(/^ /, ''));
        events.push({
          event: field('event')[0] ?? 'message',
          id: field('id')[0],
          data: JSON.parse(field('data').join('\n')),
        });
      }
    }
  } finally {
    clearTimeout(timer);
  }
  return { events, comments, ended };
}

/**
 * Asserts JSON errors and keeps the count of what a test file was rejected for, by reason (the
 * lowercase code): /v1/health must report exactly `expected` at the end.
 */
export function rejectionTally() {
  const expected: Record<string, number> = {};
  /** Asserts a JSON error `{error: {code, message}}` with the status, the message matching `message`; counts the rejection. */
  async function rejected(
    res: Response,
    status: number,
    code: string,
    message?: RegExp,
  ): Promise<{ code: string; message: string; details?: unknown }> {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(text);
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe('string');
    if (message) expect(body.error.message).toMatch(message);
    const reason = code.toLowerCase();
    expected[reason] = (expected[reason] ?? 0) + 1;
    return body.error;
  }
  return { expected, rejected };
}
