import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { renderMermaid } from '../../../node/reasoning/chain.js';
import { MINI_REGISTRY as EXAMPLE } from '../../helpers/registry.js';

const WEAK_PACK = join(process.cwd(), 'test', 'fixtures', 'packs', 'doc-ts');
let node: WeaverNode;

beforeAll(async () => {
  node = await createNode(
    await loadConfig({ home: await mkdtemp(join(tmpdir(), 'wg-reason-')), api: { enabled: false } }, {}),
  );
});
afterAll(() => node.stop());

describe('reasoning loop (built-in generator)', () => {
  it('corrects a below-threshold candidate by choosing the variant the diagnostics point at, and explains it', async () => {
    const { id, done } = await node.generate({
      registry: EXAMPLE,
      languages: ['typescript'],
      pack: WEAK_PACK,
      candidates: 1,
    });
    const record = await done;
    const ts = record.languages[0];
    expect(record.status).toBe('succeeded');
    expect(ts.rounds).toBe(2);
    expect(ts.candidates.map((c) => c.q)).toEqual([0.85, 1]);
    expect(ts.winner?.arm.params.doc).not.toBe('none');
    expect(ts.winner?.q).toBe(1);

    const decisions = await node.decisions(id);
    const round1 = decisions.find((d) => d.step === 'reasoning:typescript:round1')!;
    expect(round1.reason).toMatch(/documentation 0\.00 .*-> try \{doc=(brief|full)\}/);
    expect(decisions.find((d) => d.step === 'reasoning:typescript:round2')!.reason).toMatch(
      /^accepted doc-ts \{"doc":"(brief|full)"\} @builtin: correct, q=1\.000$/,
    );
    // every decision points at spans that exist
    const spans = await node.spans.byGeneration(id);
    const ids = new Set(spans.map((s) => s.spanId));
    for (const d of decisions)
      for (const e of d.evidence) expect(ids.has(e), `${d.step} evidence ${e}`).toBe(true);
    expect(spans.filter((s) => s.name === 'weavergen.reasoning.iteration')).toHaveLength(2);
    const mermaid = renderMermaid(decisions);
    expect(mermaid).toMatch(/^flowchart TD/);
    expect(mermaid).toContain('reasoning:typescript:round1');
  });

  it('stops after the first round when params are fixed by the request, saying why', async () => {
    const { id, done } = await node.generate({
      registry: EXAMPLE,
      languages: ['typescript'],
      pack: WEAK_PACK,
      params: { doc: 'none' },
    });
    const record = await done;
    expect(record.languages[0].rounds).toBe(1);
    expect((await node.decisions(id)).find((d) => d.step === 'reasoning:typescript:round1')!.reason).toMatch(
      /params fixed by the request/,
    );
  });
});
