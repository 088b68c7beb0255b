import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readToken } from '../node/home.js';

/** Where a running node announces itself: `<home>/node.json` (url and pid), removed when it stops. */
export const NODE_FILE = 'node.json';

export interface NodeAnnouncement {
  url: string;
  pid: number;
  startedAt: number;
  /** libp2p peer id and listen addresses, for scripts that bootstrap other nodes from this one */
  peerId?: string;
  addresses?: string[];
}

export async function announce(home: string, a: NodeAnnouncement): Promise<void> {
  await writeFile(join(home, NODE_FILE), `${JSON.stringify(a)}\n`);
}

export async function unannounce(home: string): Promise<void> {
  await rm(join(home, NODE_FILE), { force: true });
}

export interface ApiClient {
  url: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  /** follows a server-sent-events stream, calling `onEvent` for each event until the stream ends */
  events(path: string, onEvent: (event: string, data: unknown) => void): Promise<void>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A client for the node running on this home, or undefined when none answers. */
export async function connect(home: string): Promise<ApiClient | undefined> {
  const text = await readFile(join(home, NODE_FILE), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  let a: NodeAnnouncement;
  try {
    a = JSON.parse(text);
  } catch {
    return undefined;
  }
  const ok = await fetch(`${a.url}/v1/health`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (!ok) return undefined;
  const token = await readToken(home);
  const headers = {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const json = async <T>(r: Response): Promise<T> => {
    const body = (await r.json().catch(() => ({}))) as { error?: { message?: string } };
    if (!r.ok) throw new ApiError(r.status, body?.error?.message ?? `HTTP ${r.status}`);
    return body as T;
  };
  return {
    url: a.url,
    get: <T>(path: string) => fetch(`${a.url}${path}`, { headers }).then((r) => json<T>(r)),
    post: <T>(path: string, body: unknown) =>
      fetch(`${a.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }).then((r) =>
        json<T>(r),
      ),
    async events(path, onEvent) {
      const r = await fetch(`${a.url}${path}`, { headers: { ...headers, accept: 'text/event-stream' } });
      if (!r.ok || !r.body) throw new ApiError(r.status, `HTTP ${r.status}`);
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
