import http from 'node:http';

/**
 * The clients of bench/teams.ts: a JSON request over a keep-alive agent of node:http, an SSE
 * watcher of GET /v1/events that checks its stream as it reads it, and a collaborator that edits
 * one generation's annotation with baseVersion and retries on 409.
 */

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, read field by field
  body: any;
  headers: http.IncomingHttpHeaders;
  /** request made to response read, ms (waiting for a free connection of the agent included) */
  ms: number;
  /** of which waiting for a connection of the agent (a free keep-alive socket, or a new one connected) */
  waitMs: number;
  /** the request went on a connection the agent already had (keep-alive), not on a new one */
  reused?: boolean;
}

/** One JSON request (a network error is status 0, its message in `body.error`). */
export function call(
  agent: http.Agent,
  url: string,
  method: string,
  token: string | undefined,
  json?: unknown,
  extra: Record<string, string> = {},
): Promise<Reply> {
  const started = performance.now();
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers: Record<string, string> = { ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  let sent = Number.NaN;
  let reused: boolean | undefined;
  return new Promise((resolve) => {
    const done = (r: Omit<Reply, 'waitMs'>) =>
      resolve({ ...r, waitMs: Number.isNaN(sent) ? r.ms : sent - started, reused });
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        if (/json/.test(res.headers['content-type'] ?? '')) {
          try {
            parsed = JSON.parse(text);
          } catch {
            // kept as text
          }
        }
        done({
          status: res.statusCode ?? 0,
          body: parsed,
          headers: res.headers,
          ms: performance.now() - started,
        });
      });
      res.on('error', (e) =>
        done({
          status: 0,
          body: { error: { message: e.message } },
          headers: {},
          ms: performance.now() - started,
        }),
      );
    });
    req.on('error', (e) =>
      done({
        status: 0,
        body: { error: { message: e.message } },
        headers: {},
        ms: performance.now() - started,
      }),
    );
    // the moment the request has a connected socket: what comes after is the node's (and the wire's)
    req.on('socket', (socket) => {
      reused = !socket.connecting;
      if (!socket.connecting) sent = performance.now();
      else socket.once('connect', () => (sent = performance.now()));
    });
    req.end(body);
  });
}

/** What one SSE client of GET /v1/events saw. */
export interface Watcher {
  tenant: string;
  /** resolves once the `ready` event came (rejects on a refusal or an early end) */
  ready: Promise<void>;
  /** the status of the answer (0 before it came or on a network error) */
  status: number;
  /** events after `ready`, by type */
  counts: Map<string, number>;
  /** generation ids with a `result` event */
  results: Set<string>;
  /** every generation id an event named (generation, progress, result: `id`; annotation: `generationId`) */
  ids: Set<string>;
  /** annotation events, and the versions they carried */
  annotationVersions: number[];
  /** events whose seq was not the one after the previous event's (a lost or reordered event) */
  gaps: number;
  /** `lagged` or `reload` events (the stream was dropped or asked to reload) */
  dropped: number;
  /** keep-alive comments */
  heartbeats: number;
  /** the stream ended or failed before close() */
  endedEarly: boolean;
  error?: string;
  close(): void;
}

/** Opens GET /v1/events with a tenant's token and reads it until close(). */
export function watch(agent: http.Agent, base: string, tenant: string, token: string): Watcher {
  let closing = false;
  let lastSeq: number | undefined;
  let req: http.ClientRequest | undefined;
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const w: Watcher = {
    tenant,
    ready: new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    }),
    status: 0,
    counts: new Map(),
    results: new Set(),
    ids: new Set(),
    annotationVersions: [],
    gaps: 0,
    dropped: 0,
    heartbeats: 0,
    endedEarly: false,
    close() {
      closing = true;
      req?.destroy();
    },
  };
  // a refusal before the stream opened is not left unhandled; the caller awaits `ready`
  w.ready.catch(() => {});
  const early = (why: string) => {
    if (closing) return;
    if (!w.endedEarly) {
      w.endedEarly = true;
      w.error ??= why;
    }
    readyReject(new Error(why));
  };
  const onBlock = (block: string) => {
    const lines = block.split('\n');
    if (lines.every((l) => l.startsWith(':'))) {
      w.heartbeats++;
      return;
    }
    let event = 'message';
    const data: string[] = [];
    for (const l of lines) {
      if (l.startsWith('event:')) event = l.slice(6).trim();
      else if (l.startsWith('data:')) data.push(l.slice(5).replace(/^ /, ''));
    }
    // biome-ignore lint/suspicious/noExplicitAny: an event's JSON, read field by field
    let d: any = {};
    try {
      d = JSON.parse(data.join('\n'));
    } catch {
      w.error ??= `unparsable data of a ${event} event`;
    }
    if (event === 'ready') {
      lastSeq = d.seq;
      readyResolve();
      return;
    }
    w.counts.set(event, (w.counts.get(event) ?? 0) + 1);
    if (event === 'lagged' || event === 'reload') {
      w.dropped++;
      return;
    }
    if (typeof d.seq === 'number') {
      if (lastSeq !== undefined && d.seq !== lastSeq + 1) w.gaps++;
      lastSeq = d.seq;
    }
    const id = event === 'annotation' ? d.generationId : d.id;
    if (typeof id === 'string') w.ids.add(id);
    if (event === 'result') w.results.add(d.id);
    if (event === 'annotation') w.annotationVersions.push(d.version);
  };
  req = http.get(
    `${base}/v1/events`,
    { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
    (res) => {
      w.status = res.statusCode ?? 0;
      if (w.status !== 200) {
        res.resume();
        early(`GET /v1/events answered ${w.status}`);
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          onBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      res.on('end', () => early('the stream ended'));
      res.on('error', (e) => early(e.message));
      res.on('close', () => early('the stream closed'));
    },
  );
  req.on('error', (e) => early(e.message));
  return w;
}

/** What one collaborator did. */
export interface Collaborator {
  accepted: number;
  conflicts: number;
  comments: number;
  /** answers other than 200, 201 and 409, by status */
  other: Map<number, number>;
  /** every PATCH and POST, ms */
  latencies: number[];
}

/**
 * `edits` increments of one field of a generation's annotation (read, PATCH with the version it
 * saw, on 409 take the current value and version from the answer and try again), and a comment
 * after each accepted increment.
 */
export async function collaborate(
  agent: http.Agent,
  base: string,
  token: string,
  generationId: string,
  who: string,
  edits: number,
  field = 'counter',
): Promise<Collaborator> {
  const c: Collaborator = { accepted: 0, conflicts: 0, comments: 0, other: new Map(), latencies: [] };
  const path = `${base}/v1/generations/${encodeURIComponent(generationId)}`;
  const first = await call(agent, `${path}/annotation`, 'GET', token);
  let known = first.body?.fields?.[field] ?? { value: 0, version: 0 };
  const note = (status: number) => c.other.set(status, (c.other.get(status) ?? 0) + 1);
  for (let i = 0; i < edits; ) {
    const r = await call(agent, `${path}/annotation`, 'PATCH', token, {
      fields: { [field]: { value: Number(known.value) + 1, baseVersion: known.version } },
      author: who,
    });
    c.latencies.push(r.ms);
    if (r.status === 200) {
      c.accepted++;
      known = r.body.fields[field];
      i++;
      const m = await call(agent, `${path}/comments`, 'POST', token, {
        text: `${who} edit ${i}`,
        author: who,
      });
      c.latencies.push(m.ms);
      if (m.status === 201) c.comments++;
      else note(m.status);
    } else if (r.status === 409) {
      c.conflicts++;
      known = r.body?.error?.details?.current?.fields?.[field] ?? known;
    } else {
      note(r.status);
      // a refusal that is not a conflict: wait as told (429) or a little, then try again
      const wait = Number(r.headers['retry-after'] ?? 0.05) * 1000;
      await new Promise((res) => setTimeout(res, Math.min(wait, 2_000)));
      if (c.other.size > 0 && [...c.other.values()].reduce((a, b) => a + b, 0) > 50) break;
    }
  }
  return c;
}
