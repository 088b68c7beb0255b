import { realpath } from 'node:fs/promises';
import { WeaverError } from '../errors/index.js';
import { probeHealth, readAnnouncement, readToken } from '../node/home.js';

export { announce, type NodeAnnouncement, unannounce } from '../node/home.js';

/** The node's HTTP API as the CLI uses it: the same calls whether the node runs elsewhere or in this process. */
export interface ApiClient {
  /** the node's base URL, or `embedded` for a node in this process */
  url: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  /** any other method (PATCH, DELETE) with an optional JSON body */
  send<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** follows a server-sent-events stream, calling `onEvent` for each event until the stream ends */
  events(path: string, onEvent: (event: string, data: unknown) => void): Promise<void>;
}

/** An error answer of the API (`{error: {code, message, details}}`), with the node's code kept for exit codes. */
export class ApiError extends WeaverError<{ code: string; status: number; details?: unknown }> {
  get status(): number {
    return this.type.status;
  }
}

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

/**
 * A client over any fetch: a real one to a node's URL, or a Hono app's `request` in this process.
 * $WEAVERGEN_TENANT names the tenant the node operator's token acts in (a tenant's own token needs none).
 */
export function createClient(
  fetchPath: Fetch,
  url: string,
  token?: string,
  tenant = process.env.WEAVERGEN_TENANT,
): ApiClient {
  const headers = {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(tenant ? { 'x-weavergen-tenant': tenant } : {}),
  };
  const json = async <T>(r: Response): Promise<T> => {
    const body = (await r.json().catch(() => undefined)) as
      | { error?: { code?: string; message?: string; details?: unknown } }
      | undefined;
    if (!r.ok)
      throw new ApiError(
        { code: body?.error?.code ?? `HTTP_${r.status}`, status: r.status, details: body?.error?.details },
        body?.error?.message ?? `the node answered HTTP ${r.status}`,
      );
    return body as T;
  };
  return {
    url,
    get: <T>(path: string) => fetchPath(path, { headers }).then((r) => json<T>(r)),
    post: <T>(path: string, body: unknown) =>
      fetchPath(path, { method: 'POST', headers, body: JSON.stringify(body) }).then((r) => json<T>(r)),
    send: <T>(method: string, path: string, body?: unknown) =>
      fetchPath(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then((r) => json<T>(r)),
    async events(path, onEvent) {
      const r = await fetchPath(path, { headers: { ...headers, accept: 'text/event-stream' } });
      if (!r.ok || !r.body) return void (await json(r));
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.replace(/^data: ?/, ''))
            .join('\n');
          if (data) onEvent(event, JSON.parse(data));
          end = buffer.indexOf('\n\n');
        }
      }
    },
  };
}

/**
 * A client for the node serving its API on this home, or undefined when none answers. The node
 * must say it serves this very home (a `node.json` copied along with a home points elsewhere) and be
 * running, not stopping.
 */
export async function connect(home: string): Promise<ApiClient | undefined> {
  const a = await readAnnouncement(home);
  if (!a?.url) return undefined;
  const url = a.url;
  const health = await probeHealth(url);
  if (health?.status !== 'ok' || !(await sameFolder(health.home, home))) return undefined;
  return createClient((path, init) => fetch(`${url}${path}`, init), url, await readToken(home));
}

const sameFolder = async (a: string, b: string) => {
  const [x, y] = await Promise.all([realpath(a).catch(() => a), realpath(b).catch(() => b)]);
  return x === y;
};
