import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { MINI_REGISTRY as EXAMPLE } from '../../helpers/registry.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';
import { TS_BROKEN, TS_GOOD } from '../models/answers.js';

let node: WeaverNode;
let openai: WireServer;

beforeAll(async () => {
  openai = await startWireServer('openai', { models: ['gpt-4o-mini'] });
  const config = await loadConfig(
    {
      home: await mkdtemp(join(tmpdir(), 'wg-models-')),
      api: { enabled: false },
      network: { enabled: false },
      models: {
        models: 'builtin,openai:gpt-4o-mini,anthropic:claude-3-5-haiku-latest',
        openai: { apiKey: 'sk-test', baseURL: openai.url },
      },
    },
    { ANTHROPIC_API_KEY: '' },
  );
  node = await createNode(config);
});

afterAll(async () => {
  await node.stop();
  await openai.close();
});

describe('orchestra with a model generator', () => {
  it('skips an unconfigured model with a clear message and keeps builtin', () => {
    expect(node.health().models.active).toEqual(['builtin', 'openai:gpt-4o-mini']);
    expect(node.health().models.skipped.join('\n')).toMatch(
      /anthropic:claude-3-5-haiku-latest skipped: .*ANTHROPIC_API_KEY/,
    );
  });

  it('runs builtin and the model at once; the model is corrected with the compiler diagnostics in round 2', async () => {
    openai.script({ answer: TS_BROKEN, inputTokens: 1000, outputTokens: 400 });
    openai.script({ answer: TS_GOOD, inputTokens: 1500, outputTokens: 410 });
    // only the model, so the loop must correct it (with builtin in the race it would win round 1)
    const { id, done } = await node.generate({
      registry: EXAMPLE,
      languages: ['typescript'],
      models: ['openai:gpt-4o-mini'],
    });
    const record = await done;
    const ts = record.languages[0];
    expect(ts.rounds).toBe(2);
    expect(ts.candidates.map((c) => c.arm.model)).toEqual(['openai:gpt-4o-mini', 'openai:gpt-4o-mini']);
    expect(ts.candidates[0].status).toBe('failed');
    expect(ts.winner?.q).toBeGreaterThan(0.9);
    expect(JSON.stringify(openai.requests[1].body)).toMatch(/error: TS2322/);
    const candidates = (await node.spans.byGeneration(id)).filter((s) => s.name === 'weavergen.candidate');
    expect(candidates.map((s) => s.attributes['weavergen.model.input_tokens'])).toEqual([1000, 1500]);
    expect(Number(candidates[1].attributes['weavergen.model.cost_usd'])).toBeGreaterThan(0);
    const round1 = (await node.decisions(id)).find((d) => d.step === 'reasoning:typescript:round1')!;
    expect(round1.reason).toMatch(/ask openai:gpt-4o-mini again with the diagnostics/);
    // the answer to feedback is its own kind of attempt, for learning and prediction
    expect(ts.candidates.map((c) => c.attempt)).toEqual(['first', 'correction']);
    expect(candidates.map((s) => s.attributes['weavergen.candidate.attempt'])).toEqual([
      'first',
      'correction',
    ]);
    expect(candidates.map((s) => s.attributes['weavergen.quality.predicted.n'])).toEqual([0, 0]);

    // both generators at once when the request does not narrow them
    openai.script({ answer: TS_GOOD, inputTokens: 1500, outputTokens: 410 });
    const both = await (await node.generate({ registry: EXAMPLE, languages: ['typescript'], candidates: 1 }))
      .done;
    expect(both.languages[0].candidates.map((c) => c.arm.model).sort()).toEqual([
      'builtin',
      'openai:gpt-4o-mini',
    ]);
    expect(both.languages[0].agreement).toBeGreaterThan(0);
    // predicted before running, from what the first generation taught: the model's first answer failed,
    // and one outcome does not yet outweigh the prior (the median with strength 2), nor raise it
    const model = both.languages[0].candidates.find((c) => c.arm.model !== 'builtin')!;
    expect(model.predictedFrom).toBe(1);
    expect(model.predicted).toBeLessThanOrEqual(0.5);
  });

  it('a request that names only a model and gives params asks the model (it used to write the prompt out as files)', async () => {
    openai.script({ answer: TS_GOOD, inputTokens: 900, outputTokens: 300 });
    const asked = openai.requests.length;
    const record = await (
      await node.generate({
        registry: EXAMPLE,
        languages: ['typescript'],
        models: ['openai:gpt-4o-mini'],
        params: { detail: 'brief' },
      })
    ).done;
    const ts = record.languages[0];
    expect(openai.requests.length).toBe(asked + 1);
    expect(ts.candidates.map((c) => [c.arm.model, c.arm.params])).toEqual([
      ['openai:gpt-4o-mini', { detail: 'brief' }],
    ]);
    expect(ts.winner?.files.map((f) => f.path)).not.toContain('system');
    expect(ts.winner?.files.map((f) => f.path)).not.toContain('user');
  });

  it('params with builtin and a model: one fixed arm for each, neither dropped', async () => {
    openai.script({ answer: TS_GOOD, inputTokens: 900, outputTokens: 300 });
    const record = await (
      await node.generate({ registry: EXAMPLE, languages: ['typescript'], params: { doc_style: 'brief' } })
    ).done;
    const ts = record.languages[0];
    expect(ts.candidates.map((c) => c.arm.model).sort()).toEqual(['builtin', 'openai:gpt-4o-mini']);
    expect(ts.candidates.find((c) => c.arm.model === 'builtin')?.arm.params.doc_style).toBe('brief');
  });

  it('a prompt pack named by the request (a folder) is what the model is prompted with', async () => {
    const { cp, readFile, writeFile } = await import('node:fs/promises');
    const dir = await mkdtemp(join(tmpdir(), 'wg-prompt-pack-'));
    await cp(join(process.cwd(), 'node', 'models', 'prompts', 'typescript'), dir, { recursive: true });
    const system = join(dir, 'templates', 'system.liquid');
    await writeFile(system, `MARKER-OF-MY-PACK\n${await readFile(system, 'utf8')}`);
    await writeFile(
      join(dir, 'pack.yaml'),
      (await readFile(join(dir, 'pack.yaml'), 'utf8')).replace('name: typescript-prompt', 'name: my-prompt'),
    );
    openai.script({ answer: TS_GOOD, inputTokens: 900, outputTokens: 300 });
    const asked = openai.requests.length;
    const record = await (
      await node.generate({
        registry: EXAMPLE,
        languages: ['typescript'],
        models: ['openai:gpt-4o-mini'],
        pack: dir,
      })
    ).done;
    expect(openai.requests.length).toBe(asked + 1);
    expect(JSON.stringify(openai.requests[asked].body)).toContain('MARKER-OF-MY-PACK');
    expect(record.languages[0].winner?.arm.packName).toBe('my-prompt');
  });
});
