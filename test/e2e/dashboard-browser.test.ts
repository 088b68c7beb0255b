import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Insights } from '../../node/learning/index.js';
import type { PeerSummary } from '../../node/network/index.js';
import type { PatternSummary } from '../../node/packs/view.js';
import { toolchain } from '../helpers/tools.js';
import { startWireServer, type WireServer } from '../helpers/wire-servers.js';
import { type Harness, MINI_REGISTRY, startHarness } from '../integration/api/harness.js';

/**
 * The dashboard as a person uses it: Debian's chromium (installed by .ci/run) driven by
 * playwright-core against a real node with real generations (and a task answered by a model
 * behind a loopback OpenAI-protocol server). Every page is loaded, checked for what it promises (what
 * a person starts or switches from it: a generation, a task, prediction, a registry check) and
 * kept as a screenshot (WEAVERGEN_ARTIFACTS, default artifacts/dashboard); no console errors.
 */
const CHROMIUM = process.env.WEAVERGEN_CHROMIUM ?? '/usr/bin/chromium';
const BROWSER = toolchain('chromium');
const ARTIFACTS = process.env.WEAVERGEN_ARTIFACTS ?? join(process.cwd(), 'artifacts', 'dashboard');
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

const TESTS = {
  path: 'sum.test.ts',
  content: `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from './sum.js';

test('adds', () => assert.equal(sum(2, 3), 5));
`,
};
const GOOD =
  '```ts\n// file: sum.ts\nexport function sum(a: number, b = 0): number {\n  return a + b;\n}\n```\n';

/** A peer as GET /v1/peers sends it (node/network/index.ts), with the trust node/peering adds. */
const PEER: PeerSummary = {
  id: '12D3KooWQdvRW9pZKcv4gLmtfYm8ZJbqS1u2jmS6bD3fXwzM4Xk7',
  connected: true,
  addresses: ['/ip4/127.0.0.1/tcp/4001'],
  score: 1.25,
  digests: 17,
  patterns: 3,
  lastDigestEpoch: 412,
  rejected: { 'digests:reject:malformed': 2 },
  trust: 0.643,
};

type RuleRow = Insights['rules']['top'][number];
const RULE = {
  antecedent: ['language=go', 'size=xl'],
  consequent: 'compile_failure',
  count: 9,
  support: 0.125,
  confidence: 0.75,
  lift: 2.35,
  improvement: 0.4,
  q: { n: 9, mean: 0.41, sd: 0.1 },
  informative: true,
  text: 'language=go & size=xl => compile_failure',
} as RuleRow;
const NOT_INFORMATIVE = {
  ...RULE,
  antecedent: ['pack=typescript-semconv', 'language=typescript'],
  consequent: 'success',
  lift: 1.02,
  support: 0.6,
  improvement: 0,
  duplicateOf: 'language=typescript => success',
  informative: false,
  text: 'pack=typescript-semconv & language=typescript => success',
} as RuleRow;

/** A pack a peer announced and this node has not installed (node/packs/view.ts). */
const ANNOUNCED: PatternSummary = {
  id: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
  name: 'go-otel-fixture',
  version: '0.3.1',
  language: 'go',
  kind: '',
  description: 'a pack a peer announced',
  license: 'Apache-2.0',
  params: [],
  sources: ['announced'],
  publishers: [PEER.id],
  verified: false,
  installed: false,
  published: false,
  network: { score: 0.8, mean: 0.82, n: 12, peers: 2 },
};

let h: Harness;
let openai: WireServer;
let browser: Browser;
let succeeded: string;
let failed: string;
let task: string;
const problems: string[] = [];

/** A page at `hash`; `before` runs first (e.g. page.route to answer a request with a fixture). */
async function open(hash: string, width = 1280, before?: (page: Page) => Promise<void>): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await before?.(page);
  page.on('pageerror', (e) => problems.push(`${hash}: ${e.message}`));
  page.on('console', (m) => {
    // the refusals the tests ask for on purpose are logged by the browser: 401 (a generation started,
    // prediction switched, without the token), 400 (a task without a description)
    if (m.type() === 'error' && !/status of 40[01]/.test(m.text()))
      problems.push(`${hash}: console: ${m.text()}`);
  });
  await page.goto(`${h.url}/${hash}`);
  return page;
}

const shot = async (page: Page, name: string) => {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  expect(existsSync(path)).toBe(true);
  console.log(`dashboard screenshot: ${path}`);
};

const wait = async (what: string, call: () => Promise<{ status: string }>) => {
  let r = await call();
  for (let i = 0; i < 1200 && !['succeeded', 'failed', 'cancelled'].includes(r.status); i++) {
    await new Promise((r) => setTimeout(r, 100));
    r = await call();
  }
  if (!['succeeded', 'failed', 'cancelled'].includes(r.status))
    throw new Error(`${what} did not finish in 2 minutes: ${JSON.stringify(r).slice(0, 500)}`);
  return r;
};

beforeAll(async () => {
  if (BROWSER.skip) return;
  if (!existsSync(CHROMIUM))
    throw new Error(
      `chromium not found at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set WEAVERGEN_CHROMIUM`,
    );
  await mkdir(ARTIFACTS, { recursive: true });
  openai = await startWireServer('openai', { models: ['gpt-4o-mini'], otherwise: { answer: GOOD } });
  h = await startHarness(
    {},
    {},
    {
      models: 'builtin,openai:gpt-4o-mini',
      openai: { apiKey: 'sk-test', baseURL: openai.url, maxRetries: 0 },
    },
  );
  // real generations in the node before the pages are opened: two that succeed, one that fails
  for (const languages of [['typescript'], ['typescript', 'python']]) {
    const r = await h.call('/v1/generate', {
      method: 'POST',
      auth: true,
      json: { registry: MINI_REGISTRY, languages },
    });
    const body = await r.json();
    if (!body.id) throw new Error(`POST /v1/generate: ${r.status} ${JSON.stringify(body)}`);
    succeeded = body.id;
    await wait(`generation ${succeeded}`, async () => (await h.call(`/v1/generations/${succeeded}`)).json());
  }
  const bad = await h.call('/v1/generate', {
    method: 'POST',
    auth: true,
    json: { registry: join(process.cwd(), 'examples', 'broken'), languages: ['go'] },
  });
  failed = (await bad.json()).id;
  if (!failed) throw new Error(`POST /v1/generate (broken registry): ${bad.status}`);
  await wait(`generation ${failed}`, async () => (await h.call(`/v1/generations/${failed}`)).json());
  const t = await h.call('/v1/tasks', {
    method: 'POST',
    auth: true,
    json: { description: 'a sum function', language: 'ts', tests: [TESTS] },
  });
  task = (await t.json()).id;
  await wait(`task ${task}`, async () => (await h.call(`/v1/tasks/${task}`)).json());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
  await openai?.close();
});

describe.skipIf(BROWSER.skip)(`dashboard in a real browser${BROWSER.note}`, () => {
  it('generations: the list with filters, a generation started from the form and followed live', async () => {
    const page = await open('#/');
    await expect.poll(() => page.textContent('#health')).toMatch(/^ok · v/);
    await expect.poll(() => page.textContent('#generations')).toContain(succeeded);
    expect(await page.textContent('#generations')).toContain(failed);
    await page.selectOption('#filter-status', 'failed');
    expect(await page.textContent('#generations')).toContain(failed);
    expect(await page.textContent('#generations')).not.toContain(succeeded);
    await page.selectOption('#filter-status', '');
    await page.selectOption('#filter-language', 'python');
    expect(await page.textContent('#generations')).toContain(succeeded);
    expect(await page.textContent('#generations')).not.toContain(failed);
    await page.selectOption('#filter-language', '');

    // without the token the form is refused with the node's words; with it, the run is followed live
    await page.fill('#registry', MINI_REGISTRY);
    await page.click('#generate button[type=submit]');
    await expect.poll(() => page.textContent('#generate-error')).toMatch(/token/i);
    await page.fill('#token', h.token);
    await page.dispatchEvent('#token', 'change');
    // python alone: a request not made before, so it runs (a repeated one is answered from the cache)
    await page.uncheck('input[name=lang][value=typescript]');
    await page.check('input[name=lang][value=python]');
    await page.click('#generate button[type=submit]');
    await expect.poll(() => page.textContent('#progress'), { timeout: 60_000 }).toMatch(/result: succeeded/);
    expect(await page.textContent('#progress')).toMatch(/python: \w+/);
    await shot(page, 'generations');
    await page.click('#open-result');
    await expect.poll(() => page.textContent('main')).toMatch(/Generation .* succeeded/);
    await page.close();
  });

  it("a generation: winners, every candidate's components, the chain drawn, the spans, the files", async () => {
    const page = await open(`#/generations/${succeeded}`);
    await expect.poll(() => page.textContent('main')).toMatch(/typescript: q \d\.\d{3}/);
    const main = (await page.textContent('main')) ?? '';
    expect(main).toMatch(/python: q \d\.\d{3}/);
    expect(main).toMatch(/winner: typescript-semconv/);
    expect(main).toMatch(/compiled 1\.000/);
    // every candidate's validation as its span recorded it
    const validations = await page.locator('td.validation').allTextContents();
    expect(validations.length).toBeGreaterThanOrEqual(4);
    expect(validations.some((v) => /^passed: 0 errors, \d+ warnings$/.test(v))).toBe(true);
    expect(main).toMatch(/@openai:gpt-4o-mini/);
    expect(main).toMatch(/TypeScript, built-in templates/);
    // Mermaid drew the decision chain as an SVG
    await expect.poll(() => page.locator('#chain-diagram svg').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator('svg.waterfall rect').count()).toBeGreaterThan(3);
    // the files: listed, and one opened in the page
    expect(main).toMatch(/typescript\/.*\.ts/);
    await page.locator('button', { hasText: 'view' }).first().click();
    await expect.poll(() => page.textContent('#file-view')).toMatch(/export/);
    // a TypeScript file downloaded under its own name, with the generated code in it
    const row = page
      .locator('tr', { hasText: /typescript\/\S*\.ts/ })
      .filter({ hasText: 'download' })
      .first();
    const path = ((await row.locator('td').first().textContent()) ?? '').trim();
    expect(path).toMatch(/\.ts$/);
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      row.locator('button', { hasText: 'download' }).click(),
    ]);
    expect(file.suggestedFilename()).toBe(path.split('/').pop());
    expect(await readFile(await file.path(), 'utf8')).toMatch(/^export /m);
    await shot(page, 'generation');
    await page.close();

    const failure = await open(`#/generations/${failed}`);
    await expect.poll(() => failure.textContent('main')).toMatch(/What went wrong/);
    expect(await failure.textContent('#failure')).toMatch(/check errors/);
    expect(await failure.textContent('main')).toMatch(/registry\.yaml:13:9.*invalid-type/);
    expect(await failure.textContent('main')).toMatch(/What to do: /);
    await shot(failure, 'generation-failed');
    await failure.close();
  });

  it('learning: quality over time, arms with their uncertainty, model cost, informative rules, contexts in words', async () => {
    const page = await open('#/learning');
    await expect.poll(() => page.locator('#quality-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#cost-chart canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#arms .bar').count()).toBeGreaterThan(1);
    const main = (await page.textContent('main')) ?? '';
    expect(main).toMatch(/outcomes learned from/);
    expect(main).toMatch(/TypeScript, built-in templates, (tiny|small|medium) registry/);
    expect(main).toMatch(/informative rules|no informative rule yet/);
    await shot(page, 'learning');
    await page.close();
  });

  it('learning: only the informative rules, with their lift and support', async () => {
    const page = await open('#/learning', 1280, (p) =>
      p.route('**/v1/insights', async (route) => {
        const real = (await (await route.fetch()).json()) as Insights;
        real.rules.top = [NOT_INFORMATIVE, RULE];
        await route.fulfill({ json: real });
      }),
    );
    const rules = page.locator('section', { hasText: 'What learning found' }).locator('tbody tr');
    await expect.poll(() => rules.count()).toBe(1);
    expect(await rules.first().locator('td').allTextContents()).toEqual([
      RULE.text,
      '2.35',
      '12.5%',
      '75%',
      '9',
      '0.410 (n 9)',
    ]);
    expect(await page.textContent('main')).not.toContain(NOT_INFORMATIVE.text);
    await page.close();
  });

  it('network and packs: this node, its peers, refusals by reason, packs to install and rate', async () => {
    // the node of this test has no peer: one peer, as /v1/peers sends it, in the node's real answer
    const page = await open('#/network', 1280, (p) =>
      p.route('**/v1/peers', async (route) => {
        const real = await (await route.fetch()).json();
        // and the privacy accounting of a node that has published (this one has not)
        const privacy = {
          ...real.stats?.privacy,
          spentLastYear: 13,
          budgetPerYear: 365,
          delta: 0.1602,
          k: 5,
        };
        await route.fulfill({ json: { ...real, peers: [PEER], stats: { ...real.stats, privacy } } });
      }),
    );
    await expect.poll(() => page.locator('#peers tbody tr').count()).toBe(1);
    expect(await page.locator('#peers tbody tr td').allTextContents()).toEqual([
      '12D3KooW…zM4Xk7',
      'yes',
      '1.25',
      '0.643',
      '17',
      '3',
      '412',
      'digests:reject:malformed 2',
    ]);
    await expect.poll(() => page.textContent('#packs')).toContain('typescript-semconv');
    expect(await page.textContent('#peers')).toMatch(/sharing: /);
    expect(await page.textContent('#peers')).toContain(
      'privacy: epsilon spent in the last 365 days 13 of 365, delta 0.16 per entry, k 5',
    );
    // the refusal the first test caused (a start without the token), over time as the node sampled it
    await expect.poll(() => page.textContent('#rejections-chart')).toMatch(/request unauthorized/);
    // the token, as the box keeps it for the tab; then the page drawn with it
    await page.evaluate((t) => sessionStorage.setItem('weavergen.token', t), h.token);
    await page.reload();
    await expect.poll(() => page.textContent('#packs')).toContain('typescript-semconv');
    const row = page.locator('#packs tr', { hasText: 'typescript-semconv' }).first();
    await row.locator('button', { hasText: 'rate' }).click();
    await expect.poll(() => row.locator('.your-rating').textContent()).toMatch(/★★★★★/);
    expect(await row.textContent()).toMatch(/signed with this node's peer key/);
    await shot(page, 'network');
    await page.close();
  });

  it('packs: install a pack a peer announced, and the list is drawn again with it installed', async () => {
    let installed = false;
    const page = await open('#/network', 1280, async (p) => {
      await p.route(/\/v1\/patterns(\?[^/]*)?$/, async (route) => {
        const real = (await (await route.fetch()).json()) as { patterns: PatternSummary[] };
        const pack = installed
          ? { ...ANNOUNCED, installed: true, verified: true, sources: ['installed', 'announced'] }
          : ANNOUNCED;
        await route.fulfill({ json: { patterns: [...real.patterns, pack] } });
      });
      await p.route(/\/v1\/patterns\/[^/?]+\/install$/, async (route) => {
        installed = true;
        await route.fulfill({ json: { ...ANNOUNCED, installed: true, verified: true } });
      });
    });
    const row = page.locator('#packs tr', { hasText: ANNOUNCED.name });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/announced/);
    const asked = page.waitForRequest(
      (r) => r.method() === 'POST' && new URL(r.url()).pathname === `/v1/patterns/${ANNOUNCED.id}/install`,
    );
    await row.locator('button', { hasText: 'install' }).click();
    await asked;
    await expect.poll(() => row.locator('button', { hasText: 'install' }).count()).toBe(0);
    expect(await row.textContent()).toMatch(/installed, announced/);
    expect(await page.textContent('#packs')).toContain('typescript-semconv');
    await page.close();
  });

  it('tasks: the list and a task with its answers and chain', async () => {
    const page = await open('#/tasks');
    await expect.poll(() => page.textContent('main')).toContain(task);
    await shot(page, 'tasks');
    await page.click(`a[href="#/tasks/${task}"]`);
    await expect.poll(() => page.textContent('main')).toMatch(/Task .* succeeded/);
    expect(await page.textContent('main')).toMatch(/openai:gpt-4o-mini \(winner\)/);
    await expect.poll(() => page.locator('#chain-diagram svg').count(), { timeout: 20_000 }).toBe(1);
    await shot(page, 'task');
    await page.close();
  });

  it('tasks: one started from the form opens its page and is followed to its end; a refusal stays on the form', async () => {
    const page = await open('#/tasks');
    // the token as the box keeps it for the tab (typed into the box, its change on blur would draw
    // the page again while the form is being filled)
    await page.evaluate((t) => sessionStorage.setItem('weavergen.token', t), h.token);
    await page.reload();
    await expect.poll(() => page.locator('#task-form').count()).toBe(1);
    // no description: the node's own words next to the form, and the page stays
    await page.fill('#task-test-name', TESTS.path);
    await page.fill('#task-test-content', TESTS.content);
    await page.click('#task-form button[type=submit]');
    await expect.poll(() => page.textContent('#task-error')).toMatch(/^description: \S/);
    expect(new URL(page.url()).hash).toBe('#/tasks');
    // the test file chosen in a file input instead, read by the page
    await page.fill('#task-test-name', '');
    await page.fill('#task-test-content', '');
    await page.fill('#task-description', 'a sum function, started from the dashboard');
    await page.selectOption('#task-language', 'ts');
    await page.setInputFiles('#task-files', {
      name: TESTS.path,
      mimeType: 'text/plain',
      buffer: Buffer.from(TESTS.content),
    });
    await page.fill('#task-max-rounds', '2');
    const [sent] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/tasks'),
      page.click('#task-form button[type=submit]'),
    ]);
    expect(sent.postDataJSON()).toEqual({
      description: 'a sum function, started from the dashboard',
      language: 'ts',
      tests: [TESTS],
      maxRounds: 2,
    });
    expect((await sent.response())?.status()).toBe(202);
    await expect.poll(() => new URL(page.url()).hash).toMatch(/^#\/tasks\/[^/]+$/);
    const id = decodeURIComponent(new URL(page.url()).hash.slice('#/tasks/'.length));
    expect(id).not.toBe(task);
    await expect.poll(() => page.textContent('main'), { timeout: 60_000 }).toMatch(/Task .* succeeded/);
    expect(await page.textContent('main')).toContain('a sum function, started from the dashboard');
    expect((await (await h.call(`/v1/tasks/${encodeURIComponent(id)}`)).json()).status).toBe('succeeded');
    await shot(page, 'task-started');
    await page.close();
  });

  it('learning: predictive pre-generation switched off and on, with its counters', async () => {
    const page = await open('#/learning');
    await expect.poll(() => page.textContent('#prediction-state')).toBe('on');
    expect(await page.textContent('#prediction-source')).toMatch(/config/);
    for (const key of ['predicted', 'used', 'wasted', 'watched'])
      expect(await page.locator(`#prediction-counters [data-counter=${key}] .big`).textContent()).toMatch(
        /^\d+$/,
      );
    // without the token the switch is refused in the node's words, and nothing changes
    await page.click('#prediction-toggle');
    await expect.poll(() => page.textContent('#prediction-error')).toMatch(/token/i);
    expect(await page.textContent('#prediction-state')).toBe('on');
    await page.evaluate((t) => sessionStorage.setItem('weavergen.token', t), h.token);
    await page.reload();
    await expect.poll(() => page.textContent('#prediction-toggle')).toBe('Turn off');
    const [off] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PUT' && new URL(r.url()).pathname === '/v1/prediction'),
      page.click('#prediction-toggle'),
    ]);
    expect(off.postDataJSON()).toEqual({ enabled: false });
    await expect.poll(() => page.textContent('#prediction-state')).toBe('off');
    expect(await page.textContent('#prediction-source')).toMatch(/kept across restarts/);
    expect(await page.locator('#prediction-counters [data-counter=watched] .big').textContent()).toBe('0');
    expect(await (await h.call('/v1/prediction')).json()).toMatchObject({ enabled: false, source: 'api' });
    await shot(page, 'learning-prediction-off');
    const [on] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PUT' && new URL(r.url()).pathname === '/v1/prediction'),
      page.click('#prediction-toggle'),
    ]);
    expect(on.postDataJSON()).toEqual({ enabled: true });
    await expect.poll(() => page.textContent('#prediction-state')).toBe('on');
    expect(await (await h.call('/v1/prediction')).json()).toMatchObject({ enabled: true, source: 'api' });
    await page.close();
  });

  it('generations: a registry checked from the page, its located errors in a table, or ok', async () => {
    const page = await open('#/');
    await page.fill('#token', h.token);
    await page.dispatchEvent('#token', 'change');
    await page.fill('#check-path', join(process.cwd(), 'examples', 'broken'));
    await page.click('#registry-check button[type=submit]');
    await expect.poll(() => page.textContent('#check-summary')).toMatch(/^errors · .*[1-9]\d* errors/);
    const row = page.locator('#check-result tbody tr', { hasText: 'invalid-type' }).first();
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toMatch(/registry\.yaml:13:9$/);
    expect(cells.slice(1, 3)).toEqual(['error', 'invalid-type']);
    expect(cells[3]).toMatch(/invalid attribute type "strng"/);
    await shot(page, 'registry-check');
    await page.fill('#check-path', join(process.cwd(), 'examples', 'shop'));
    await page.click('#registry-check button[type=submit]');
    await expect.poll(() => page.textContent('#check-summary')).toMatch(/^ok · \d+ files, .* 0 errors/);
    expect(await page.locator('#check-result tr.diagnostic-error').count()).toBe(0);
    await page.close();
  });

  it('every page is readable on a narrow window, asks for its icon without a refusal, and logged no error', async () => {
    const pages: [name: string, hash: string, drawn: (page: Page) => Promise<unknown>][] = [
      ['generations', '#/', (p) => expect.poll(() => p.textContent('#generations')).toContain(succeeded)],
      [
        'generation',
        `#/generations/${succeeded}`,
        async (p) => {
          await expect.poll(() => p.textContent('main')).toMatch(/typescript: q \d\.\d{3}/);
          await expect.poll(() => p.locator('#chain-diagram svg').count(), { timeout: 20_000 }).toBe(1);
        },
      ],
      [
        'learning',
        '#/learning',
        (p) => expect.poll(() => p.locator('#quality-chart canvas').count()).toBeGreaterThan(0),
      ],
      [
        'network',
        '#/network',
        (p) => expect.poll(() => p.textContent('#packs')).toContain('typescript-semconv'),
      ],
      ['tasks', '#/tasks', (p) => expect.poll(() => p.textContent('main')).toContain(task)],
    ];
    for (const [name, hash, drawn] of pages) {
      const page = await open(hash, 390);
      await drawn(page);
      // how far the page is wider than the window, and what sticks out (not inside a scrolling box)
      const { over, wide } = await page.evaluate(() => {
        // no named function in here: the test's transform could wrap it in a helper the page lacks
        const sticking = [...document.querySelectorAll('body *')].filter((e) => {
          // its box, or text that overflows it (a long word in a box that fits)
          const right = e.getBoundingClientRect().left + Math.max(e.scrollWidth, e.clientWidth);
          if (Math.max(e.getBoundingClientRect().right, right) <= window.innerWidth + 0.5) return false;
          for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
            if (getComputedStyle(p).overflowX !== 'visible') return false;
          return true;
        });
        return {
          over: document.documentElement.scrollWidth - window.innerWidth,
          wide: sticking
            .slice(0, 5)
            .map(
              (e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.getAttribute('class') ?? ''}`,
            ),
        };
      });
      expect(over, `${hash} is wider than 390 px: ${wide.join(', ')}`).toBeLessThanOrEqual(0);
      await shot(page, `${name}-narrow`);
      await page.close();
    }
    expect((await fetch(`${h.url}/favicon.ico`)).status).toBe(200);
    const health = await (await h.call('/v1/health')).json();
    expect(health.rejected.route_not_found ?? 0).toBe(0);
    expect(problems).toEqual([]);
  });
});
