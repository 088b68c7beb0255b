import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  closeRenderPool,
  configureRenderPool,
  createRenderBudget,
  DEFAULT_POOL,
  GenerationError,
  GenerationErrorCode,
  generateWithPack,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../../../node/generation/index.js';
import { DEFAULT_LIMITS, renderPackSync, renderScope } from '../../../node/generation/render.js';
import { builtinPacks, createPack, type Pack, resolveParams } from '../../../node/packs/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';

/**
 * Rendering runs in the render pool's worker threads under budgets (node/generation/pool.ts). The
 * normal packs render there exactly as in process; a hostile pack is stopped by a budget, its worker
 * terminated and replaced, while this thread's event loop keeps running.
 */
const manifest = (files: string, params = '') =>
  `name: hostile\nversion: 1.0.0\nlanguage: typescript\ndescription: A stranger's pack.\nlicense: MIT\n${params}files:\n${files}\n`;
const one = (template: string): Pack =>
  createPack(manifest('  - {template: a.liquid, output: a.ts}'), { 'a.liquid': template }, 'test');

const registry: TemplateRegistry = {
  name: '',
  version: '',
  schema_url: '',
  attributes: [],
  metrics: [],
  events: [],
  namespaces: [{ name: 'a', attributes: [], metrics: [], events: [] }],
};

async function failure(p: Promise<unknown>): Promise<GenerationError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(GenerationError);
  return e as GenerationError;
}

/** The worst delay of a 20 ms timer on this thread while `p` runs: the event loop's responsiveness. */
async function worstLag<T>(p: Promise<T>): Promise<{ value: T | unknown; lagMs: number }> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 20);
    last = now;
  }, 20);
  const value = await p.catch((e: unknown) => e);
  clearInterval(timer);
  return { value, lagMs: worst };
}

const CAPTURE_DOUBLING =
  '{% capture s %}x{% endcapture %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s | size }}';

afterEach(async () => {
  await configureRenderPool(DEFAULT_POOL);
});
afterAll(closeRenderPool);

describe('the render pool renders the normal packs byte-identical to an in-process render', () => {
  let model: TemplateRegistry;
  beforeAll(async () => {
    model = toTemplateRegistry((await loadRegistry(MINI_REGISTRY, { check: false })).registry);
  });

  it('every built-in template pack, with its defaults and each param value', async () => {
    let compared = 0;
    for (const pack of await builtinPacks()) {
      if (pack.manifest.kind !== 'template') continue;
      const variants: Record<string, string>[] = [{}];
      for (const [k, spec] of Object.entries(pack.manifest.params))
        for (const v of spec.values) variants.push({ [k]: v });
      for (const given of variants) {
        const params = resolveParams(pack.manifest, given);
        const gen = await generateWithPack(pack, model, given);
        expect(gen.files, `${pack.manifest.name} ${JSON.stringify(given)}`).toEqual(
          renderPackSync(pack, model, params, DEFAULT_LIMITS),
        );
        expect(gen.scope).toEqual(renderScope(pack, params));
        expect(gen.params).toEqual(params);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  });
});

describe('hostile packs are stopped by limits and budgets', () => {
  it('caps a string doubled by capture (LiquidJS memoryLimit never counts it)', async () => {
    const e = await failure(generateWithPack(one(CAPTURE_DOUBLING), registry));
    expect(e.code).toBe(GenerationErrorCode.LIMIT_EXCEEDED);
    expect(e.type).toMatchObject({ template: 'a.liquid', limit: 'string' });
    expect(e.message).toMatch(/a\.liquid: stopped by the sandbox limits: string limit exceeded/);
  });

  it('caps a string grown by a filter and the output of one template', async () => {
    const grown = await failure(
      generateWithPack(
        one('{% assign s = "xxxxxxxxxx" %}{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}'),
        registry,
        {},
        { ...DEFAULT_LIMITS, memoryLimit: Number.POSITIVE_INFINITY, maxString: 1_000_000 },
      ),
    );
    expect(grown.type).toMatchObject({ limit: 'string' });
    expect(grown.message).toMatch(/filter append/);
    const output = await failure(
      generateWithPack(
        one('{% for i in (1..200000) %}0123456789{% endfor %}'),
        registry,
        {},
        {
          ...DEFAULT_LIMITS,
          maxString: 1_000_000,
        },
      ),
    );
    expect(output.type).toMatchObject({ limit: 'string' });
  });

  it('terminates a render past its time budget while the event loop keeps running', async () => {
    await configureRenderPool({ candidateMs: 1_000 });
    // every iteration is one LiquidJS node: nothing here checks the clock often enough to matter
    const pack = one('{% for i in (1..19000000) %}{% assign x = i | plus: 1 %}{% endfor %}');
    const started = performance.now();
    const { value, lagMs } = await worstLag(
      generateWithPack(pack, registry, {}, { ...DEFAULT_LIMITS, renderLimit: 60_000 }),
    );
    const e = value as GenerationError;
    expect(e).toBeInstanceOf(GenerationError);
    expect(e.type).toMatchObject({ code: GenerationErrorCode.LIMIT_EXCEEDED, limit: 'candidate-time' });
    expect(e.message).toMatch(/template a\.liquid: stopped by the render budget: .*1 s.*killed/);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(lagMs).toBeLessThan(200);
    // the pool replaced the worker: the next render works
    expect((await generateWithPack(one('ok'), registry)).files[0].content).toBe('ok\n');
  });

  it('terminates a render that outgrows its heap', async () => {
    await configureRenderPool({ heapMb: 48 });
    // the doubled string is a rope until a filter flattens it into a real copy
    const flattening =
      '{% capture s %}x{% endcapture %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% assign t = s | upcase %}{% endfor %}';
    const e = await failure(
      generateWithPack(
        one(flattening),
        registry,
        {},
        {
          ...DEFAULT_LIMITS,
          maxString: Number.POSITIVE_INFINITY,
          memoryLimit: Number.POSITIVE_INFINITY,
          renderLimit: 60_000,
        },
      ),
    );
    expect(e.type).toMatchObject({ code: GenerationErrorCode.LIMIT_EXCEEDED, limit: 'candidate-heap' });
    expect(e.message).toMatch(/template a\.liquid: .*48 MB heap; the render process was killed/);
  });

  it("shares one generation's budget among its renders", async () => {
    await configureRenderPool({ candidateMs: 800 });
    const budget = createRenderBudget(1_200);
    const spin = one('{% for i in (1..19000000) %}{% assign x = i | plus: 1 %}{% endfor %}');
    const limits = { ...DEFAULT_LIMITS, renderLimit: 60_000 };
    const first = await failure(generateWithPack(spin, registry, {}, limits, { budget }));
    expect(first.type).toMatchObject({ limit: 'candidate-time' });
    const second = await failure(generateWithPack(spin, registry, {}, limits, { budget }));
    expect(second.type).toMatchObject({ limit: 'generation-time' });
    const third = await failure(generateWithPack(one('ok'), registry, {}, limits, { budget }));
    expect(third.type).toMatchObject({ limit: 'generation-time', template: '' });
    expect(third.message).toMatch(/not rendered: .*render budget \(1\.2 s of rendering\) is spent/);
  });

  it('gives back the time a render did not use', async () => {
    const budget = createRenderBudget(60_000);
    await generateWithPack(one('ok'), registry, {}, DEFAULT_LIMITS, { budget });
    expect(budget.remainingMs).toBeGreaterThan(59_000);
    expect(budget.remainingMs).toBeLessThan(60_000);
  });

  it("stops a running render when the caller's signal aborts", async () => {
    const controller = new AbortController();
    const spin = one('{% for i in (1..19000000) %}{% assign x = i | plus: 1 %}{% endfor %}');
    const started = performance.now();
    setTimeout(() => controller.abort(), 300);
    const e = await generateWithPack(
      spin,
      registry,
      {},
      { ...DEFAULT_LIMITS, renderLimit: 60_000 },
      {
        signal: controller.signal,
      },
    ).catch((x: Error) => x);
    expect((e as Error).message).toBe('render cancelled');
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
