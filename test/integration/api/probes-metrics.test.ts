import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, MINI_REGISTRY, startHarness } from './harness.js';

let h: Harness;
/** a node with api.openMetrics: /metrics without a token from any host */
let open: Harness;

beforeAll(async () => {
  [h, open] = await Promise.all([startHarness(), startHarness({}, {}, undefined, { openMetrics: true })]);
});

afterAll(async () => {
  await Promise.all([h?.stop(), open?.stop()]);
});

/** GET through a raw request, so the Host header can name another host (as a request from the cluster does) */
function get(
  of: Harness,
  path: string,
  host: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: of.server.port,
        path,
        headers: { host: `${host}:${of.server.port}`, ...headers },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly: every line is a HELP or TYPE
 * comment or a sample `name{label="value",...} number`; a sample's family has a TYPE before it.
 */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
  const sample = new RegExp(
    `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (-?(?:\\d+(?:\\.\\d*)?(?:e[+-]?\\d+)?|\\.\\d+)|[Nn]a[Nn]|[+-]Inf)(?: -?\\d+)?$`,
  );
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const help = new RegExp(`^# HELP (${NAME}) .*$`).exec(line);
    if (help) continue;
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    const m = sample.exec(line);
    expect(m, `not a Prometheus text line: ${JSON.stringify(line)}`).not.toBeNull();
    const [, name, labelText = '', value] = m!;
    const family = [...types.keys()].find(
      (f) => name === f || /^_(bucket|sum|count|total|created)$/.test(name.slice(f.length)),
    );
    expect(family, `${name} has no TYPE line`).toBeDefined();
    const labels: Record<string, string> = {};
    for (const l of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    samples.push({ name, labels, value: Number(value) });
  }
  return { types, samples };
}

async function scrape(of: Harness = h) {
  const res = await of.call('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  return { text, ...parseExposition(text) };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('GET /livez and /readyz', () => {
  it('answer without a token on any host, and say nothing else; /v1/health needs the token there', async () => {
    for (const path of ['/livez', '/readyz']) {
      const res = await get(h, path, 'weavergen.default.svc.cluster.local');
      expect(res.status, path).toBe(200);
      expect(res.type, path).toMatch(/^application\/json/);
      expect(JSON.parse(res.body), path).toEqual({ status: 'ok' });
      expect(res.body).not.toContain(h.home);
    }
    const health = await get(h, '/v1/health', 'weavergen.default.svc.cluster.local');
    expect(health.status).toBe(401);
    expect(JSON.parse(health.body).error.code).toBe('UNAUTHORIZED');
    // HEAD, as some load balancers probe
    const head = await fetch(`${h.url}/readyz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});

describe('GET /metrics', () => {
  it('is the Prometheus text format, with the node metrics and the process ones', async () => {
    const { types, samples } = await scrape();
    expect(types.get('weavergen_http_requests_total')).toBe('counter');
    expect(types.get('weavergen_api_rejections_total')).toBe('counter');
    expect(types.get('weavergen_network_rejections_total')).toBe('counter');
    expect(types.get('weavergen_generations_total')).toBe('counter');
    expect(types.get('weavergen_generations_in_flight')).toBe('gauge');
    expect(types.get('weavergen_tasks_in_flight')).toBe('gauge');
    expect(types.get('weavergen_spans_stored_total')).toBe('counter');
    expect(types.get('weavergen_peers_connected')).toBe('gauge');
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(value(samples, 'weavergen_node_ready')).toBe(1);
    expect(value(samples, 'weavergen_generations_in_flight')).toBe(0);
    expect(value(samples, 'weavergen_generations_total', { status: 'failed' })).toBe(0);
    expect(samples.find((s) => s.name === 'weavergen_node_info')?.labels.version).toEqual(expect.any(String));
  });

  it('counts requests by route pattern (never the raw path) and rejections by reason', async () => {
    const before = await scrape();
    for (const id of ['no-such-generation-1', 'no-such-generation-2'])
      expect((await h.call(`/v1/generations/${id}`)).status).toBe(404);
    expect((await h.call('/nowhere/at/all')).status).toBe(404);
    expect((await h.call('/v1/health', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const after = await scrape();
    expect(after.text).not.toContain('no-such-generation');
    expect(after.text).not.toContain('/nowhere');
    // what the requests above (and the scrape before them: it is counted once answered) added
    const added = (name: string, labels: Record<string, string>) =>
      (value(after.samples, name, labels) ?? 0) - (value(before.samples, name, labels) ?? 0);
    const requests = (route: string, status_class: string) =>
      added('weavergen_http_requests_total', { method: 'GET', route, status_class });
    expect(requests('/v1/generations/:id', '4xx')).toBe(2);
    expect(requests('unmatched', '4xx')).toBe(1);
    expect(requests('/v1/health', '4xx')).toBe(1);
    expect(requests('/metrics', '2xx')).toBe(1);
    expect(added('weavergen_api_rejections_total', { reason: 'unauthorized' })).toBe(1);
    expect(added('weavergen_api_rejections_total', { reason: 'not_found' })).toBe(2);
    expect(added('weavergen_api_rejections_total', { reason: 'route_not_found' })).toBe(1);
    // the counters are those of /v1/health's `rejected`
    const { rejected } = await (await h.call('/v1/health')).json();
    for (const [reason, n] of Object.entries(rejected))
      expect(value(after.samples, 'weavergen_api_rejections_total', { reason }), reason).toBe(n);
  });

  it('shows generations by status after a real generation, and the spans it stored', async () => {
    const before = await scrape();
    const started = await h.node.generate({
      registry: MINI_REGISTRY,
      languages: ['typescript'],
      candidates: 1,
    });
    expect((await started.done).status).toBe('succeeded');
    // health() is read again at most every 100 ms
    let after = await scrape();
    for (
      let i = 0;
      i < 40 && value(after.samples, 'weavergen_generations_total', { status: 'succeeded' }) !== 1;
      i++
    ) {
      await sleep(25);
      after = await scrape();
    }
    expect(value(after.samples, 'weavergen_generations_total', { status: 'succeeded' })).toBe(1);
    expect(value(after.samples, 'weavergen_generations_total', { status: 'failed' })).toBe(0);
    expect(value(after.samples, 'weavergen_generations_in_flight')).toBe(0);
    expect(value(after.samples, 'weavergen_spans_stored_total')).toBeGreaterThan(
      value(before.samples, 'weavergen_spans_stored_total') ?? 0,
    );
    // the same count in /v1/health
    expect((await (await h.call('/v1/health')).json()).generations.ended).toMatchObject({ succeeded: 1 });
  });

  it('needs the token from a non-loopback host (a read), unless the node sets api.openMetrics', async () => {
    const refused = await get(h, '/metrics', 'prometheus.monitoring.svc');
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error.message).toMatch(/missing bearer token/);
    const withToken = await get(h, '/metrics', 'prometheus.monitoring.svc', {
      authorization: `Bearer ${h.token}`,
    });
    expect(withToken.status).toBe(200);
    expect(parseExposition(withToken.body).samples.length).toBeGreaterThan(10);

    const opened = await get(open, '/metrics', 'prometheus.monitoring.svc');
    expect(opened.status).toBe(200);
    expect(opened.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(value(parseExposition(opened.body).samples, 'weavergen_node_ready')).toBe(1);
    // only the metrics are opened
    expect((await get(open, '/v1/health', 'prometheus.monitoring.svc')).status).toBe(401);
  });

  it('each API counts its own requests (a registry per API)', async () => {
    const mine = await scrape(open);
    const theirs = await scrape(h);
    const total = (s: Sample[]) =>
      s.filter((x) => x.name === 'weavergen_http_requests_total').reduce((a, x) => a + x.value, 0);
    expect(total(mine.samples)).toBeLessThan(total(theirs.samples));
  });
});

describe('a stopping node', () => {
  it('answers /readyz 503 while /livez stays 200; /metrics says it is not ready', async () => {
    await open.node.stop();
    const ready = await get(open, '/readyz', 'weavergen.default.svc.cluster.local');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: 'stopping' });
    const live = await get(open, '/livez', 'weavergen.default.svc.cluster.local');
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: 'ok' });
    const { samples } = await scrape(open);
    expect(value(samples, 'weavergen_node_ready')).toBe(0);
  });
});
