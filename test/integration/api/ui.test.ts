import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, MINI_REGISTRY, startHarness } from './harness.js';

/** The dashboard's files and the routes only it needs, over real HTTP (the pages themselves: test/e2e/dashboard-browser.test.ts). */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

async function moduleFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await moduleFiles(p)));
    else if (e.name.endsWith('.js')) out.push(p);
  }
  return out;
}

describe('the dashboard files', () => {
  it('serves the page with a policy that allows scripts from this origin only', async () => {
    const res = await h.call('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    for (const src of html.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g))
      expect((await h.call(src[1])).status, src[1]).toBe(200);
  });

  it('every module the page imports is served, and the libraries come from the node itself', async () => {
    const root = join(process.cwd(), 'ui');
    for (const file of await moduleFiles(root)) {
      const url = `/ui/${file.slice(root.length + 1)}`;
      const res = await h.call(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
      for (const m of (await readFile(file, 'utf8')).matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = new URL(m[1], `http://x${url}`).pathname;
        expect((await h.call(target)).status, `${url} imports ${target}`).toBe(200);
      }
    }
    for (const lib of ['uPlot.iife.min.js', 'uPlot.min.css', 'mermaid.min.js']) {
      const res = await h.call(`/ui/vendor/${lib}`);
      expect(res.status, lib).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  it('nothing outside ui/ is reachable, and a missing file is a 404 that says where the dashboard is', async () => {
    for (const path of [
      '/ui/%2e%2e/package.json',
      '/ui/../package.json',
      '/ui/nope.js',
      '/ui/vendor/x.js',
      '/ui/',
    ]) {
      const res = await h.call(path);
      expect(res.status, path).toBe(404);
      const body = await res.json();
      expect(body.error.message).not.toMatch(/"name": "weavergen"/);
    }
    expect((await (await h.call('/ui/nope.js')).json()).error.message).toMatch(/the dashboard is at \//);
  });

  it('answers the icon a browser asks for, without counting a refusal', async () => {
    const before = (await (await h.call('/v1/health')).json()).rejected;
    const res = await h.call('/favicon.ico');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect((await (await h.call('/v1/health')).json()).rejected).toEqual(before);
  });
});

describe('routes the dashboard reads', () => {
  it('GET /v1/rejections: the refusal counters over time, the last sample now', async () => {
    const before = (await (await h.call('/v1/rejections')).json()).samples;
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(
      (await h.call('/v1/generate', { method: 'POST', json: { registry: '/x', languages: ['go'] } })).status,
    ).toBe(401);
    const after = (await (await h.call('/v1/rejections')).json()).samples;
    const last = after[after.length - 1];
    expect(last.requests.unauthorized).toBe((before[before.length - 1].requests.unauthorized ?? 0) + 1);
    expect(last.messages).toEqual(expect.any(Object));
    expect(last.at).toBeGreaterThanOrEqual(before[before.length - 1].at);
    expect((await h.call('/v1/rejections?x=1')).status).toBe(200);
  });

  it('GET /v1/tasks lists tasks newest first, and refuses a bad limit', async () => {
    expect(await (await h.call('/v1/tasks')).json()).toEqual({ tasks: [] });
    for (const bad of ['0', 'abc', '501', '-1']) {
      const res = await h.call(`/v1/tasks?limit=${bad}`);
      expect(res.status, bad).toBe(400);
      expect((await res.json()).error.message).toMatch(/limit/);
    }
    expect((await h.call('/v1/tasks?colour=red')).status).toBe(400);
  });

  it('GET /v1/learning/history and /v1/learning/arms follow a generation, and refuse bad input', async () => {
    const empty = await (await h.call('/v1/learning/history')).json();
    expect(empty).toEqual({ outcomes: 0, contexts: [], models: [] });
    const r = await h.call('/v1/generate', {
      method: 'POST',
      auth: true,
      json: { registry: MINI_REGISTRY, languages: ['typescript'] },
    });
    const { id } = await r.json();
    for (let i = 0; i < 600; i++) {
      const g = await (await h.call(`/v1/generations/${id}`)).json();
      if (g.status === 'succeeded' || g.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const record = await (await h.call(`/v1/generations/${id}`)).json();
    const history = await (await h.call('/v1/learning/history')).json();
    const context = record.languages[0].context;
    expect(history.outcomes).toBe(record.languages[0].candidates.length);
    expect(history.contexts).toEqual([
      {
        contextKey: context,
        points: [expect.objectContaining({ generationId: id, q: record.languages[0].winner.q })],
      },
    ]);
    const arms = await (await h.call(`/v1/learning/arms?context=${encodeURIComponent(context)}`)).json();
    expect(arms.context).toBe(context);
    expect(arms.arms.length).toBe(
      new Set(record.languages[0].candidates.map((c: { arm: { key: string } }) => c.arm.key)).size,
    );
    for (const a of arms.arms) {
      expect(a.mean).toBeGreaterThan(0);
      expect(a.sd).toBeGreaterThan(0);
      expect(a.n).toBeGreaterThanOrEqual(1);
    }
    // best mean first
    expect(arms.arms.map((a: { mean: number }) => a.mean)).toEqual(
      [...arms.arms.map((a: { mean: number }) => a.mean)].sort((x, y) => y - x),
    );
    for (const bad of [
      '',
      '?context=typescript',
      '?context=typescript|builtin|huge|e1t1d1m1',
      `?context=${encodeURIComponent(context)}&x=1`,
    ]) {
      const res = await h.call(`/v1/learning/arms${bad}`);
      expect(res.status, bad).toBe(400);
    }
    for (const bad of ['0', '20001', 'many'])
      expect((await h.call(`/v1/learning/history?outcomes=${bad}`)).status, bad).toBe(400);
  });
});
