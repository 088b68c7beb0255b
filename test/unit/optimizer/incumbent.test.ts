import { afterEach, describe, expect, it } from 'vitest';
import { createLearning } from '../../../node/learning/index.js';
import { promptPacks } from '../../../node/models/index.js';
import { type Arm, chooseArms, createOptimizer, enumerateArms } from '../../../node/optimizer/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import { candidateSpan, TS_CONTEXT, tempStore } from '../learning/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const CHEAP = 'openai:cheap';
const DEAR = 'anthropic:dear';
const NEW = 'ollama:new';

async function setup(init: Parameters<typeof createOptimizer>[1] = {}, models: string[] = [CHEAP, DEAR]) {
  const { store, cleanup } = await tempStore();
  cleanups.push(cleanup);
  const learning = createLearning({ store });
  const optimizer = createOptimizer({ store, learning }, { seed: 3, ...init });
  const templates = enumerateArms(await builtinPacks(), { language: 'typescript' });
  const prompts = enumerateArms(await promptPacks(), { language: 'typescript', models });
  return { learning, optimizer, templates, prompts, arms: [...templates, ...prompts] };
}

const usage = (costUsd: number) => ({ inputTokens: 10_000, outputTokens: 4_000, costUsd });
const outcomes = (arm: Arm, q: number, n: number, costUsd?: number) =>
  Array.from({ length: n }, () =>
    candidateSpan(
      TS_CONTEXT,
      arm,
      q,
      1,
      1_700_000_000_000,
      costUsd === undefined ? undefined : usage(costUsd),
    ),
  );
const defaultOf = (arms: Arm[], model: string) => arms.find((a) => a.model === model && a.isDefault) as Arm;

describe('chooseArms: the policy the node runs', () => {
  it('makes a better non-default variant the incumbent once the evidence promotes it', async () => {
    const { learning, optimizer, templates } = await setup();
    const def = templates.find((a) => a.isDefault) as Arm;
    const better = templates.find(
      (a) => a.params.doc_style === 'brief' && a.params.layout === 'official',
    ) as Arm;
    const first = await chooseArms(optimizer, TS_CONTEXT, templates, 1);
    expect(first.chosen).toEqual([def]);
    expect(first.reason).toBe('incumbent: pack defaults');
    await learning.ingest([...outcomes(def, 0.62, 6), ...outcomes(better, 0.97, 6)]);
    // before the review, the challenger slot goes to it more than to any other arm (the best posterior
    // by far; untried variants sharing its values come next, structure.ts)
    const times = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const two = await chooseArms(optimizer, TS_CONTEXT, templates, 2);
      expect(two.chosen[0]).toBe(def);
      times.set(two.chosen[1].key, (times.get(two.chosen[1].key) ?? 0) + 1);
    }
    const other = Math.max(...[...times].filter(([k]) => k !== better.key).map(([, n]) => n));
    expect(times.get(better.key)).toBeGreaterThan(2 * other);
    await optimizer.review(TS_CONTEXT, templates);
    const after = await chooseArms(optimizer, TS_CONTEXT, templates, 1);
    expect(after.chosen).toEqual([better]);
    expect(after.reason).toBe('incumbent: promoted variant');
  });
});

describe('chooseArms: cost-aware choice among models', () => {
  it('runs only the cheapest model arm that reaches the bar, naming its cost', async () => {
    const { learning, optimizer, templates, prompts, arms } = await setup();
    const def = templates.find((a) => a.isDefault) as Arm;
    const cheap = defaultOf(prompts, CHEAP);
    const dear = defaultOf(prompts, DEAR);
    await learning.ingest([
      ...outcomes(def, 0.6, 4, 0),
      ...outcomes(cheap, 0.95, 4, 0.01),
      ...outcomes(dear, 0.97, 4, 0.1),
    ]);
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1);
    expect(choice.chosen).toEqual([def, cheap]);
    expect(choice.reason).toContain(
      `${CHEAP}: typescript-prompt detail=full @${CHEAP} is the cheapest arm that reaches the bar here (4/4 outcomes here reached q >= 0.9), ~$0.0100 per candidate (this arm here, n=4)`,
    );
    expect(choice.alternatives.join('\n')).toMatch(
      new RegExp(
        `@${DEAR} .*: not run, ~\\$0\\.1000 per candidate .*it reaches the bar too, and .* reaches it at ~\\$0\\.0100`,
      ),
    );
    // cost-blind: every model runs
    const blind = await setup({ cost: false });
    await blind.learning.ingest([
      ...outcomes(def, 0.6, 4, 0),
      ...outcomes(cheap, 0.95, 4, 0.01),
      ...outcomes(dear, 0.97, 4, 0.1),
    ]);
    const all = await chooseArms(blind.optimizer, TS_CONTEXT, blind.arms, 1);
    expect(all.chosen.map((a) => a.model).sort()).toEqual([DEAR, 'builtin', CHEAP].sort());
  });

  it('prefers a dearer model that reaches the bar over a cheaper one that does not, and explores an untried one', async () => {
    const { learning, optimizer, templates, prompts, arms } = await setup({}, [CHEAP, DEAR, NEW]);
    const def = templates.find((a) => a.isDefault) as Arm;
    const cheap = defaultOf(prompts, CHEAP);
    const dear = defaultOf(prompts, DEAR);
    await learning.ingest([
      ...outcomes(def, 0.6, 4, 0),
      ...prompts.filter((a) => a.model === CHEAP).flatMap((a) => outcomes(a, 0.7, 4, 0.01)),
      ...outcomes(dear, 0.96, 4, 0.1),
    ]);
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1);
    expect(choice.chosen).toContain(dear);
    expect(choice.chosen.some((a) => a.model === CHEAP)).toBe(false);
    // the model never tried here, of unknown cost, may be cheaper: it runs once to find out
    expect(choice.chosen.some((a) => a.model === NEW)).toBe(true);
    expect(choice.reason).toContain(
      `${NEW}: explore, 0 outcome(s) here and cost unknown, maybe cheaper than $0.1000`,
    );
    expect(choice.alternatives.join('\n')).toContain('0/4 outcomes here reached q >= 0.9');
    expect(cheap).toBeDefined();
  });

  it('runs no model where a template arm, free, already reaches the bar', async () => {
    const { learning, optimizer, templates, prompts, arms } = await setup();
    const def = templates.find((a) => a.isDefault) as Arm;
    await learning.ingest([
      ...outcomes(def, 0.95, 4, 0),
      ...outcomes(defaultOf(prompts, CHEAP), 0.97, 4, 0.01),
    ]);
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1);
    expect(choice.chosen).toEqual([def]);
    expect(choice.reason).toContain(
      'no model runs: typescript-semconv doc_style=full enum_style=constants layout=official @builtin reaches the bar at no cost (4/4',
    );
  });

  it('runs every model while no arm reaches the bar yet, with their costs in the reason', async () => {
    const { learning, optimizer, templates, prompts, arms } = await setup();
    const def = templates.find((a) => a.isDefault) as Arm;
    await learning.ingest([
      ...outcomes(def, 0.6, 4, 0),
      ...outcomes(defaultOf(prompts, CHEAP), 0.8, 4, 0.01),
    ]);
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1);
    expect(choice.chosen.map((a) => a.model).sort()).toEqual([DEAR, 'builtin', CHEAP].sort());
    expect(choice.reason).toMatch(
      /openai:cheap: .*~\$0\.0100 per candidate \(openai:cheap on s registries|this arm here/,
    );
    expect(choice.reason).toContain(`${DEAR}: `);
    expect(choice.reason).toContain(
      'cost unknown; no arm with a known cost reaches q >= 0.9 here yet, so every model runs',
    );
  });
});
