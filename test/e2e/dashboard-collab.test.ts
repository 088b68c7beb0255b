import { cp, mkdir } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolchain } from '../helpers/tools.js';
import { type Harness, type Json, MINI_REGISTRY, startHarness } from '../integration/api/harness.js';

/**
 * The dashboard as a team uses it: two people of one tenant (two browser contexts, each with its
 * own developer token) on the same generation, and a third with a viewer's token. What one writes
 * shows on the other's page without a reload; two edits of one comment from the same version end
 * with one 409, shown with the current text, merged and saved again, so neither write is lost; a
 * stream cut by the network resumes with Last-Event-ID; a generation started through the API
 * appears on both generations pages as it runs. The browser talks to the node through a TCP relay
 * of the test's, which is how the network is cut.
 */
const CHROMIUM = process.env.WEAVERGEN_CHROMIUM ?? '/usr/bin/chromium';
const BROWSER = toolchain('chromium');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TENANT = 'acme';
const ARTIFACTS = process.env.WEAVERGEN_ARTIFACTS ?? join(process.cwd(), 'artifacts', 'dashboard');

const shot = async (page: Page, name: string) => {
  const path = join(ARTIFACTS, `${name}.png`);
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path, fullPage: true });
  console.log(`dashboard screenshot: ${path}`);
};

/** A TCP relay to the node: what the browser sends is seen (request heads), and drop() cuts every connection. */
interface Relay {
  url: string;
  /** the request heads of GET /v1/events, in the order they came */
  streams: string[];
  /** the first line of every request, in the order they came */
  requests: string[];
  drop(): void;
  /** cuts every connection and refuses new ones until resume() */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

async function relay(target: URL): Promise<Relay> {
  const sockets = new Set<Socket>();
  const streams: string[] = [];
  const requests: string[] = [];
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1');
      if (/^[A-Z]+ \//.test(head)) requests.push(head.slice(0, head.indexOf('\r\n')));
      if (head.startsWith('GET /v1/events')) streams.push(head.slice(0, head.indexOf('\r\n\r\n')));
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const drop = () => {
    for (const s of sockets) s.destroy();
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    streams,
    requests,
    drop,
    pause: () => {
      refusing = true;
      drop();
    },
    resume: () => {
      refusing = false;
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

let h: Harness;
let net: Relay;
let browser: Browser;
let registry: string;
let generation: string;
const secrets: Record<string, string> = {};
const contexts: BrowserContext[] = [];
const problems: string[] = [];

const FINAL = ['succeeded', 'failed', 'cancelled'];

/** the node's API as one of the tenant's people */
async function as(who: string, path: string, init: { method?: string; json?: unknown } = {}): Promise<Json> {
  const res = await fetch(`${h.url}${path}`, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${secrets[who]}`,
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function generate(languages: string[]): Promise<string> {
  return (await as('ann', '/v1/generate', { json: { registry, languages, models: ['builtin'] } })).id;
}

/** A person's own browser (a context of its own: its own session storage, its own token). */
async function person(who: string, hash: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  await context.addInitScript((t) => sessionStorage.setItem('weavergen.token', t), secrets[who]);
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`${who}: ${e.message}`));
  page.on('console', (m) => {
    // the viewer's refused write, the conflict, and the network cut on purpose are logged by the browser
    if (m.type() === 'error' && !/status of (403|409)|net::ERR_/.test(m.text()))
      problems.push(`${who}: console: ${m.text()}`);
  });
  await page.goto(`${net.url}/${hash}`);
  // a reload would lose this: the tests check it is still there
  await page.evaluate(() => {
    (window as unknown as { marker: number }).marker = 1;
  });
  return page;
}

const live = (page: Page, timeout = 5_000) =>
  expect.poll(() => page.textContent('#live-state'), { timeout }).toBe('● live');
const notReloaded = async (page: Page) =>
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
const commentText = (page: Page, id: string) => page.textContent(`li[data-comment="${id}"] .comment-text`);

beforeAll(async () => {
  if (BROWSER.skip) return;
  h = await startHarness({}, {}, undefined, { rateLimit: { perMinute: 10_000, burst: 1_000 } });
  await h.node.tenancy.create({ id: TENANT });
  // a tenant reads registries only from its own folder
  registry = join(h.home, 'tenants', TENANT, 'registries', 'mini');
  await mkdir(join(h.home, 'tenants', TENANT, 'registries'), { recursive: true });
  await cp(MINI_REGISTRY, registry, { recursive: true });
  for (const [name, role] of [
    ['ann', 'developer'],
    ['bob', 'developer'],
    ['eve', 'viewer'],
  ] as const)
    secrets[name] = (await h.node.tenancy.createToken(TENANT, { name, role })).secret;
  generation = await generate(['typescript']);
  for (let i = 0; i < 600; i++) {
    if (FINAL.includes((await as('ann', `/v1/generations/${generation}`)).status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  net = await relay(new URL(h.url));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await net?.close();
  await h?.stop();
});

describe.skipIf(BROWSER.skip)(`the dashboard, two people of one tenant at once${BROWSER.note}`, () => {
  let a: Page;
  let b: Page;

  it("a comment and a field written on one page show on the other's without a reload", async () => {
    a = await person('ann', `#/generations/${generation}`);
    b = await person('bob', `#/generations/${generation}`);
    await live(a);
    await live(b);
    await expect.poll(() => a.textContent('#comments')).toBe('');

    await a.fill('#comment-text', 'first line');
    await a.click('#comment-form button[type=submit]');
    await expect.poll(() => commentText(b, 'c1')).toBe('first line');
    expect(await b.textContent('li[data-comment="c1"] .author')).toBe('ann');
    expect(await a.inputValue('#comment-text')).toBe('');

    await b.selectOption('.field[data-field="status"] select', 'needs-work');
    await expect.poll(() => a.textContent('.value[data-field="status"]')).toBe('needs-work');
    expect(await a.textContent('.field[data-field="status"] .by')).toMatch(/^set by bob, /);
    // and ann's choice follows it, for her next change to be based on it
    expect(await a.inputValue('.field[data-field="status"] select')).toBe('needs-work');
    await a.fill('.field[data-field="owner"] input', 'ann');
    await a.click('.field[data-field="owner"] button');
    await expect.poll(() => b.textContent('.value[data-field="owner"]')).toBe('ann');
    await notReloaded(a);
    await notReloaded(b);
  });

  it('two edits of one comment from the same version: one 409, shown with the current text, merged, nothing lost', async () => {
    await a.click('li[data-comment="c1"] button.edit');
    await b.click('li[data-comment="c1"] button.edit');
    await a.fill('li[data-comment="c1"] textarea', 'first line\nann: the metrics are right');
    await b.fill('li[data-comment="c1"] textarea', 'first line\nbob: the names are right');
    await a.click('li[data-comment="c1"] button.save');
    await expect.poll(() => commentText(a, 'c1')).toBe('first line\nann: the metrics are right');
    // bob's page shows ann's edit at once; his draft is kept, based on the version he opened
    await expect.poll(() => commentText(b, 'c1')).toBe('first line\nann: the metrics are right');
    expect(await b.inputValue('li[data-comment="c1"] textarea')).toBe('first line\nbob: the names are right');

    await b.click('li[data-comment="c1"] button.save');
    const conflict = b.locator('li[data-comment="c1"] .conflict');
    await expect.poll(() => conflict.isVisible()).toBe(true);
    expect(await conflict.textContent()).toMatch(/ann edited this comment since you opened it/);
    await shot(b, 'generation-conflict');
    expect(await conflict.locator('pre.current-text').textContent()).toBe(
      'first line\nann: the metrics are right',
    );
    // nothing of bob's was written
    const mid = await as('bob', `/v1/generations/${generation}/annotation`);
    expect(mid.comments[0]).toMatchObject({ version: 2, text: 'first line\nann: the metrics are right' });

    await b.click('li[data-comment="c1"] button.merge');
    expect(await b.inputValue('li[data-comment="c1"] textarea')).toBe(
      'first line\nann: the metrics are right\nbob: the names are right',
    );
    await b.click('li[data-comment="c1"] button.save');
    const both = 'first line\nann: the metrics are right\nbob: the names are right';
    await expect.poll(() => commentText(b, 'c1')).toBe(both);
    await expect.poll(() => commentText(a, 'c1')).toBe(both);
    expect(await a.textContent('li[data-comment="c1"] .edited')).toMatch(/edited by bob/);
    const end = await as('ann', `/v1/generations/${generation}/annotation`);
    expect(end.comments).toMatchObject([
      { id: 'c1', author: 'ann', version: 3, text: both, editedBy: 'bob' },
    ]);
    await notReloaded(a);
    await notReloaded(b);
  });

  it('a stream cut by the network resumes after its Last-Event-ID, with what was said meanwhile', async () => {
    const before = net.streams.length;
    net.drop();
    await expect.poll(() => a.textContent('#live-state')).toMatch(/reconnecting/);
    // said while both pages are cut off
    await as('bob', `/v1/generations/${generation}/comments`, { json: { text: 'said while you were away' } });
    await expect.poll(() => commentText(a, 'c2'), { timeout: 15_000 }).toBe('said while you were away');
    await expect.poll(() => commentText(b, 'c2')).toBe('said while you were away');
    await live(a);
    const resumed = net.streams.slice(before);
    expect(resumed.length).toBeGreaterThanOrEqual(2);
    for (const head of resumed) expect(head).toMatch(/\r\nlast-event-id: [0-9a-z]+-\d+/i);
    await notReloaded(a);
  });

  it('a generation started through the API appears on both generations pages and runs to its end', async () => {
    await a.evaluate(() => (location.hash = '#/'));
    await b.evaluate(() => (location.hash = '#/'));
    for (const page of [a, b]) {
      await expect.poll(() => page.textContent('#generations')).toContain(generation);
      await live(page);
      // every status each row shows, in order
      await page.evaluate(() => {
        const seen: Record<string, string[]> = {};
        (window as unknown as { seen: typeof seen }).seen = seen;
        const note = () => {
          for (const tr of document.querySelectorAll('#generations tr[data-id]')) {
            const id = tr.getAttribute('data-id')!;
            const s = tr.getAttribute('data-status')!;
            seen[id] ??= [];
            if (seen[id].at(-1) !== s) seen[id].push(s);
          }
        };
        new MutationObserver(note).observe(document.getElementById('generations')!, {
          childList: true,
          subtree: true,
        });
      });
    }
    const id = await generate(['python']);
    for (const page of [a, b]) {
      const row = page.locator(`#generations tr[data-id="${id}"]`);
      await expect.poll(() => row.getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
      await expect.poll(() => row.textContent()).toMatch(/python \d\.\d{3}/);
      const seen = await page.evaluate(
        (i) => (window as unknown as { seen: Record<string, string[]> }).seen[i],
        id,
      );
      // it came in before its end: queued or running first
      expect(['queued', 'running']).toContain(seen[0]);
      expect(seen.at(-1)).toBe('succeeded');
      await notReloaded(page);
    }
  });

  it('after a cut longer than the node holds events for, the list is read again (reload)', async () => {
    net.pause();
    await expect.poll(() => a.textContent('#live-state')).toMatch(/reconnecting/);
    // more events than the node keeps for resuming streams (128), and a generation, all missed
    for (let i = 0; i < 130; i++)
      await as('bob', `/v1/generations/${generation}/comments`, { json: { text: `note ${i}` } });
    const id = await generate(['typescript', 'python']);
    const before = net.requests.length;
    const streamsBefore = net.streams.length;
    net.resume();
    for (const page of [a, b]) {
      // the page retries less often the longer the node is away (2, 4, 8 s)
      await live(page, 20_000);
      await expect
        .poll(() => page.locator(`#generations tr[data-id="${id}"]`).getAttribute('data-status'), {
          timeout: 30_000,
        })
        .toBe('succeeded');
      await notReloaded(page);
    }
    // each page resumed with its Last-Event-ID, was told to reload, and read the list again
    const after = net.requests.slice(before);
    const streams = after.flatMap((r, i) => (r.startsWith('GET /v1/events') ? [i] : []));
    expect(streams.length).toBeGreaterThanOrEqual(2);
    for (const head of net.streams.slice(streamsBefore)) expect(head).toMatch(/\r\nlast-event-id: /i);
    expect(
      after.slice(streams[0] + 1).filter((r) => r.startsWith('GET /v1/generations?limit=200')).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('a viewer reads the thread, read-only from the start (GET /v1/me says its role), and the node refuses its writes', async () => {
    const v = await person('eve', `#/generations/${generation}`);
    await expect.poll(() => commentText(v, 'c2')).toBe('said while you were away');
    expect(await v.textContent('.value[data-field="status"]')).toBe('needs-work');
    // no write was tried: the page asked who the token is
    await expect
      .poll(() => v.textContent('#annotation-readonly'))
      .toMatch(/^Read-only: .*eve.* is a viewer of tenant acme; annotating needs a developer/);
    // and the node itself refuses what the page no longer offers, naming the role it needs
    const refused = await fetch(`${h.url}/v1/generations/${generation}/comments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.eve}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'may I?' }),
    });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toMatch(/viewer of tenant acme; .* needs a developer/);
    expect(await v.isVisible('#comment-form')).toBe(false);
    expect(await v.isVisible('li[data-comment="c1"] button.edit')).toBe(false);
    expect(await v.isVisible('.field[data-field="status"] select')).toBe(false);
    // and the live thread still reaches it
    await live(v);
    await as('ann', `/v1/generations/${generation}/comments`, { json: { text: 'for everyone' } });
    await expect.poll(() => commentText(v, 'c133')).toBe('for everyone');
    expect((await as('eve', `/v1/generations/${generation}/annotation`)).comments).toHaveLength(133);
    await shot(v, 'generation-viewer');
    expect(problems).toEqual([]);
  });
});
