import { beforeAll, describe, expect, it } from 'vitest';
import { type TemplateRegistry, toTemplateRegistry } from '../../../node/generation/index.js';
import {
  type ChatClient,
  type ChatRequest,
  chunkRegistry,
  createLimiter,
  createLlmGenerator,
  createPricing,
  createPromptRenderer,
  estimateTokens,
  findPromptPack,
  type GenerationProgress,
  ModelError,
  ModelErrorCode,
  subRegistry,
} from '../../../node/models/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { writeLargeRegistry } from '../../helpers/registry.js';

/** a registry large enough for many chunks at these windows: 60 namespaces, one too big for a small chunk */
let real: TemplateRegistry;
beforeAll(async () => {
  real = toTemplateRegistry((await loadRegistry(await writeLargeRegistry(), { check: false })).registry);
});

const keys = (r: TemplateRegistry) => [
  ...r.attributes.map((a) => `a:${a.key}`),
  ...r.metrics.map((m) => `m:${m.name}`),
  ...r.events.map((e) => `e:${e.name}`),
];

describe('chunkRegistry over a large registry', () => {
  it('covers every item exactly once, each chunk within the budget, in namespace order', async () => {
    const renderer = createPromptRenderer(await findPromptPack('typescript'), 'typescript');
    const plan = { id: 'p', index: 1, count: 1, namespaces: [], part: 1, parts: 1 };
    const tokens = (r: TemplateRegistry) => {
      const p = renderer.prompt(r, plan);
      return estimateTokens(p.system + p.user);
    };
    const overhead = tokens(subRegistry(real, []));
    for (const budget of [30_000, 6000, 1500]) {
      const chunks = chunkRegistry(real, { budgetTokens: budget, measure: (r) => tokens(r) - overhead });
      expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i + 1));
      const all = chunks.flatMap((c) => keys(c.registry));
      expect(all.length).toBe(keys(real).length);
      expect(new Set(all).size).toBe(all.length);
      for (const c of chunks)
        expect(tokens(c.registry) - overhead, `${budget} ${c.id}`).toBeLessThanOrEqual(budget);
      // deterministic: the same registry and budget give the same ids (correction rounds rely on it)
      const again = chunkRegistry(real, { budgetTokens: budget, measure: (r) => tokens(r) - overhead });
      expect(again.map((c) => c.id)).toEqual(chunks.map((c) => c.id));
      if (budget === 1500) {
        // big namespaces are split into parts
        const split = chunks.filter((c) => c.parts > 1);
        expect(split.length).toBeGreaterThan(0);
        expect(split[0].id).toMatch(/^[a-z_]+#1\/\d+$/);
      }
    }
  });

  it('refuses a window too small for a single item', () => {
    const e = (() => {
      try {
        chunkRegistry(real, { budgetTokens: 5, measure: (r) => JSON.stringify(r).length / 4 });
      } catch (x) {
        return x as ModelError;
      }
    })();
    expect(e).toBeInstanceOf(ModelError);
    expect(e?.code).toBe(ModelErrorCode.CONTEXT_TOO_SMALL);
    expect(e?.message).toMatch(/configure a larger context window/);
  });
});

/** A chat client in process: answers every chunk with one file per namespace it was asked for. */
function stubClient(
  answer?: (req: ChatRequest, n: number) => string,
): ChatClient & { prompts: ChatRequest[] } {
  const prompts: ChatRequest[] = [];
  return {
    kind: 'openai',
    model: 'stub',
    id: 'openai:stub',
    prompts,
    async probe() {},
    async complete(req) {
      prompts.push(req);
      const files = [...req.user.matchAll(/^- `([a-z0-9_]+\.ts)`/gm)].map((m) => m[1]);
      const text =
        answer?.(req, prompts.length) ??
        files
          .map((f) => `\`\`\`ts\n// file: ${f}\nexport const X_${f.replace('.ts', '')} = 1;\n\`\`\``)
          .join('\n');
      return { text, inputTokens: 10, outputTokens: 5, usageReported: true, finish: 'stop', attempts: 1 };
    },
  };
}

describe('the LLM generator over a large registry', () => {
  it('sends one prompt per chunk, each fitting the window, and merges every chunk into files', async () => {
    const client = stubClient();
    const g = createLlmGenerator(client, {
      contextTokens: 32_000,
      maxOutputTokens: 8000,
      limiter: createLimiter(4),
      pricing: createPricing(),
    });
    const events: GenerationProgress[] = [];
    const r = await g.generate({ language: 'typescript', model: real, onProgress: (e) => events.push(e) });
    const plan = events.find((e) => e.phase === 'plan') as Extract<GenerationProgress, { phase: 'plan' }>;
    expect(plan.chunks).toBe(client.prompts.length);
    expect(plan.chunks).toBeGreaterThan(5);
    for (const p of client.prompts) expect(estimateTokens(p.system + p.user)).toBeLessThan(32_000 * 0.9);
    // every root namespace got its file, plus the index scaffold
    const names = new Set(r.files.map((f) => f.path));
    expect(names.has('index.ts')).toBe(true);
    expect(r.files.length).toBeGreaterThanOrEqual(real.namespaces.length + 1);
    expect(r.usage.inputTokens).toBe(10 * plan.chunks);
    expect(new Set(r.chunks?.flatMap((c) => c.namespaces))).toEqual(
      new Set(real.namespaces.map((n) => n.name)),
    );
  });

  it('two chunks writing the same file with different content: DUPLICATE_FILE, with the tokens spent', async () => {
    const client = stubClient((_req, n) => `\`\`\`ts\n// file: same.ts\nexport const A${n} = ${n};\n\`\`\``);
    const g = createLlmGenerator(client, {
      contextTokens: 32_000,
      maxOutputTokens: 8000,
      limiter: createLimiter(2),
      pricing: createPricing({ 'openai:stub': { inputPerMTok: 1, outputPerMTok: 2 } }),
    });
    const e = await g.generate({ language: 'typescript', model: real }).catch((x) => x);
    expect(e).toBeInstanceOf(ModelError);
    expect(e.code).toBe(ModelErrorCode.DUPLICATE_FILE);
    expect(e.message).toMatch(/both wrote same\.ts/);
    expect(e.type.usage.inputTokens).toBeGreaterThan(0);
    expect(e.type.usage.costUsd).toBeGreaterThan(0);
  });

  it('one failing chunk stops the others and reports its own error, not their cancellations', async () => {
    let calls = 0;
    const client: ChatClient = {
      ...stubClient(),
      async complete(req) {
        calls++;
        if (calls === 2)
          throw new ModelError({ code: ModelErrorCode.RATE_LIMITED, generator: 'openai:stub' }, 'limited');
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, 2000);
          req.signal?.addEventListener('abort', () => {
            clearTimeout(t);
            reject(req.signal?.reason);
          });
        });
        return {
          text: '',
          inputTokens: 0,
          outputTokens: 0,
          usageReported: true,
          finish: 'stop',
          attempts: 1,
        };
      },
    };
    const g = createLlmGenerator(client, {
      contextTokens: 32_000,
      maxOutputTokens: 8000,
      limiter: createLimiter(3),
      pricing: createPricing(),
    });
    const started = performance.now();
    const e = await g.generate({ language: 'typescript', model: real }).catch((x) => x);
    expect(e.code).toBe(ModelErrorCode.RATE_LIMITED);
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
