import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRenderPool, configureRenderPool, DEFAULT_POOL } from '../../../node/generation/index.js';
import type { GenerationRecord } from '../../../node/jobs/index.js';
import { startHealthPoller } from '../../helpers/health-poller.js';
import { type Harness, MINI_REGISTRY, readSse, startHarness } from '../api/harness.js';

/**
 * Issue 11, item 1: a hostile pack froze the whole node (rendering ran on the event loop, the render
 * limit applied per template, capture doubling was never counted). Now renders run in worker threads
 * under per-candidate and per-generation budgets: the node keeps answering while a stranger's pack
 * burns its budget, and every candidate of that pack fails with GENERATION_LIMIT_EXCEEDED.
 */
const CANDIDATE_MS = 2_000;
const GENERATION_MS = 8_000;
const VARIANTS = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8'];

/** Nested loops over the registry: every iteration is cheap, together they run for minutes. */
const NESTED =
  '{% for i in (1..1000000) %}{% for a in registry.attributes %}{% for b in registry.attributes %}{% assign k = b.key %}{% endfor %}{% endfor %}{% endfor %}';
/** A string doubled by capture: LiquidJS's memoryLimit never counts what is written into a capture. */
const DOUBLING =
  '{% capture s %}x{% endcapture %}{% for i in (1..64) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s }}';
/** A huge range (its array alone is hundreds of MB) with an empty body, where LiquidJS never checks its render limit. */
const RANGE = '{% for i in (1..19000000) %}{% endfor %}';

async function writeHostilePack(dir: string): Promise<void> {
  const files: string[] = [];
  const templates: Record<string, string> = {};
  // 12 files of nested loops for v1..v4, one doubling file for v5, v6, one range file per namespace for v7, v8
  for (let n = 0; n < 12; n++) {
    templates[`nested${n}.liquid`] = NESTED;
    for (const v of ['v1', 'v2', 'v3', 'v4'])
      files.push(`  - {template: nested${n}.liquid, output: nested${n}-${v}.ts, when: {variant: ${v}}}`);
  }
  templates['doubling.liquid'] = DOUBLING;
  templates['range.liquid'] = RANGE;
  for (const v of ['v5', 'v6'])
    files.push(`  - {template: doubling.liquid, output: doubling.ts, when: {variant: ${v}}}`);
  for (const v of ['v7', 'v8'])
    files.push(
      `  - {template: range.liquid, output: "{{ namespace.name }}.ts", each: namespace, when: {variant: ${v}}}`,
    );
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(
    join(dir, 'pack.yaml'),
    [
      'name: hostile-render',
      'version: 1.0.0',
      'language: typescript',
      'description: nested loops over the registry, capture doubling, a huge range',
      'license: MIT',
      'params:',
      `  variant: {values: [${VARIANTS.join(', ')}], default: v1}`,
      'files:',
      ...files,
      '',
    ].join('\n'),
  );
  for (const [name, text] of Object.entries(templates)) await writeFile(join(dir, 'templates', name), text);
}

/** POST /v1/generate and the generation's events to its end: the final record. */
async function generated(h: Harness, body: Record<string, unknown>, timeoutMs?: number) {
  const res = await h.call('/v1/generate', { auth: true, json: body });
  expect(res.status).toBe(202);
  const accepted = await res.json();
  const { events } = await readSse(await h.call(accepted.links.events), timeoutMs);
  return (events.at(-1)!.data as { record: GenerationRecord }).record;
}

describe('a hostile pack does not freeze the node (issue 11)', () => {
  let h: Harness;
  let pack: string;
  beforeAll(async () => {
    await configureRenderPool({ candidateMs: CANDIDATE_MS, generationMs: GENERATION_MS });
    pack = await mkdtemp(join(tmpdir(), 'weavergen-hostile-pack-'));
    await writeHostilePack(pack);
    h = await startHarness();
    // a node's first generation loads the code that renders and writes (a cold start of its own)
    await generated(h, { registry: MINI_REGISTRY, languages: ['typescript'], validate: false });
  });
  afterAll(async () => {
    await h?.stop();
    await rm(pack, { recursive: true, force: true });
    await configureRenderPool(DEFAULT_POOL);
    await closeRenderPool();
  });

  it('8 hostile candidates fail within their budgets; /v1/health answers in under 1 s throughout; RSS stays bounded', async () => {
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
    }, 100);
    // /v1/health polled from another process: a poller here would share the node's event loop
    const poller = await startHealthPoller(h.url, h.token);

    const started = performance.now();
    const res = await h.call('/v1/generate', {
      auth: true,
      json: { registry: MINI_REGISTRY, languages: ['typescript'], pack, candidates: 8 },
    });
    expect(res.status).toBe(202);
    const accepted = await res.json();
    const { events } = await readSse(await h.call(accepted.links.events), 120_000);
    const elapsed = performance.now() - started;
    const { worstMs: worst, polls, failures } = await poller.stop();
    clearInterval(sampler);

    const record = (events.at(-1)!.data as { record: GenerationRecord }).record;
    expect(record.status).toBe('failed');
    const candidates = record.languages[0].candidates;
    expect(candidates.map((c) => c.arm.params.variant).sort()).toEqual(VARIANTS);
    for (const c of candidates) {
      expect(c.status, c.error).toBe('error');
      expect(c.error).toMatch(/stopped by the (render budget|sandbox limits)/);
    }
    // the nested loops ran into the candidate's time budget, or the generation's once it was spent
    expect(candidates.some((c) => /render took longer than its budget \(2 s\)/.test(c.error ?? ''))).toBe(
      true,
    );
    // capture doubling is stopped by the string cap when it gets to run; under load the generation's
    // budget may be spent first (test/unit/generation/pool.test.ts proves the cap on its own)
    for (const c of candidates.filter((c) => ['v5', 'v6'].includes(c.arm.params.variant)))
      expect(c.error).toMatch(/string limit exceeded|stopped by the render budget/);
    // rendering of the whole generation stopped within its budget (the rest is the node's own work)
    expect(elapsed).toBeLessThan(GENERATION_MS + 4_000);

    expect(polls).toBeGreaterThan(10);
    expect(failures).toEqual([]);
    expect(worst).toBeLessThan(1_000);
    expect(rssMax - rss0).toBeLessThan(300 * 1024 * 1024);
    console.log(
      `hostile generation: ${(elapsed / 1000).toFixed(1)} s; /v1/health worst ${worst.toFixed(0)} ms over ${polls} polls; RSS growth ${((rssMax - rss0) / 1024 / 1024).toFixed(0)} MB`,
    );
  });

  it('the node still generates with its own packs afterwards', async () => {
    const res = await h.call('/v1/generate', {
      auth: true,
      json: { registry: MINI_REGISTRY, languages: ['typescript'], validate: false },
    });
    const accepted = await res.json();
    const { events } = await readSse(await h.call(accepted.links.events));
    const record = (events.at(-1)!.data as { record: GenerationRecord }).record;
    expect(record.status, record.error).toBe('succeeded');
  });
});

describe("a pack's large output is checked off the event loop (issue 11)", () => {
  let h: Harness;
  let pack: string;
  beforeAll(async () => {
    pack = await mkdtemp(join(tmpdir(), 'weavergen-big-pack-'));
    await mkdir(join(pack, 'templates'), { recursive: true });
    await writeFile(
      join(pack, 'pack.yaml'),
      [
        'name: big-ts',
        'version: 1.0.0',
        'language: typescript',
        'description: 120,000 constants in one file (about 4 MB of TypeScript)',
        'license: MIT',
        'files:',
        '  - {template: index.ts.liquid, output: index.ts}',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(pack, 'templates', 'index.ts.liquid'),
      '{% for i in (1..120000) %}export const a{{ i }}: number = {{ i }};\n{% endfor %}',
    );
    h = await startHarness();
    await generated(h, { registry: MINI_REGISTRY, languages: ['typescript'] });
  });
  afterAll(async () => {
    await h?.stop();
    await rm(pack, { recursive: true, force: true });
  });

  it('type-checking and scoring 120,000 lines: the result as before, /v1/health within 1 s throughout', async () => {
    const poller = await startHealthPoller(h.url, h.token);
    const started = performance.now();
    const record = await generated(
      h,
      { registry: MINI_REGISTRY, languages: ['typescript'], pack, candidates: 1 },
      180_000,
    );
    const elapsed = performance.now() - started;
    const { worstMs, polls, failures } = await poller.stop();
    console.log(
      `big output: generation ${(elapsed / 1000).toFixed(1)} s; /v1/health worst ${worstMs.toFixed(0)} ms over ${polls} polls`,
    );
    const candidate = record.languages[0].candidates[0];
    // compiled, and its 120,000 constants read (none is a registry's symbol, so quality stays low)
    expect(candidate.status, candidate.error).not.toBe('error');
    expect(record.languages[0].winner?.validation.status).toBe('passed');
    expect(record.languages[0].winner?.symbols.found).toBeGreaterThanOrEqual(0);
    expect(failures).toEqual([]);
    expect(worstMs, 'worst /v1/health latency in ms').toBeLessThan(1_000);
  });
});
