import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationContext } from '../../../node/learning/context.js';
import { createLearning } from '../../../node/learning/index.js';
import type { Rule } from '../../../node/learning/rules.js';
import { promptPacks } from '../../../node/models/index.js';
import {
  type Arm,
  chooseArms,
  createOptimizer,
  enumerateArms,
  steerFor,
  steeringRules,
} from '../../../node/optimizer/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import { candidateSpan, tempStore } from '../learning/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const shape = (sizeBucket: GenerationContext['sizeBucket'], hasTemplates: boolean): GenerationContext => ({
  language: 'typescript',
  generator: 'builtin',
  sizeBucket,
  hasEnums: true,
  hasTemplates,
  hasDeprecated: false,
  hasMetrics: true,
});
const find = (arms: Arm[], params: Record<string, string>) =>
  arms.find((a) => Object.entries(params).every(([k, v]) => a.params[k] === v)) as Arm;

/**
 * Four contexts seen: on registries with templates the pack defaults (doc_style=full) do not
 * compile, on the others they are fine; the brief variant is fine everywhere. Then a fifth context,
 * never seen, with templates.
 */
async function world(rules: boolean) {
  const { store, cleanup } = await tempStore();
  cleanups.push(cleanup);
  const learning = createLearning({ store });
  const optimizer = createOptimizer({ store, learning }, { seed: 7, rules });
  const arms = enumerateArms(await builtinPacks(), { language: 'typescript' });
  const def = arms.find((a) => a.isDefault) as Arm;
  const brief = find(arms, { doc_style: 'brief', enum_style: 'constants', layout: 'official' });
  const spans = [];
  for (const [size, templates] of [
    ['s', true],
    ['m', true],
    ['s', false],
    ['m', false],
  ] as const) {
    const c = shape(size, templates);
    for (let i = 0; i < 6; i++) {
      spans.push(templates ? candidateSpan(c, def, 0.27, 0) : candidateSpan(c, def, 0.96));
      spans.push(candidateSpan(c, brief, 0.94));
    }
  }
  await learning.ingest(spans);
  return { learning, optimizer, arms, def, brief, unseen: shape('l', true), unseenPlain: shape('l', false) };
}

describe('rules that steer', () => {
  it('mines an informative failure rule naming the defaults and the shape, with the quality of its rows', async () => {
    const { learning } = await world(true);
    const steering = steeringRules((await learning.rules()).rules);
    const rule = steering.find((r) => r.antecedent.join() === 'param.doc_style=full,templates=1') as Rule;
    expect(rule).toMatchObject({ consequent: 'compile_failure', confidence: 1, informative: true });
    expect(rule.q?.n).toBe(12);
    expect(rule.q?.mean).toBeCloseTo(0.27, 6);
    // a rule naming no arm (or only the builtin engine) never steers
    expect(steering.every((r) => r.antecedent.some((i) => /^(pack=|param\.)/.test(i)))).toBe(true);
  });

  it('steerFor matches only the arms and shapes the rule names', () => {
    const rule: Rule = {
      antecedent: ['param.doc_style=full', 'templates=1'],
      consequent: 'compile_failure',
      count: 12,
      support: 0.25,
      confidence: 1,
      lift: 4,
      improvement: 0.5,
      informative: true,
      q: { n: 12, mean: 0.27, sd: 0.01 },
    };
    const arm = { packName: 'typescript-semconv', params: { doc_style: 'full' }, model: 'builtin' };
    const steer = steerFor([rule], shape('xl', true), arm, 2);
    expect(steer?.prior).toEqual({ n: 2, sumQ: 0.54, sumQ2: 2 * (0.01 ** 2 + 0.27 ** 2) });
    expect(steer?.text).toContain(
      '`param.doc_style=full & templates=1 => compile_failure` (confidence 1.00, lift 4.00',
    );
    expect(steerFor([rule], shape('xl', false), arm, 2)).toBeUndefined();
    expect(
      steerFor([rule], shape('xl', true), { ...arm, params: { doc_style: 'brief' } }, 2),
    ).toBeUndefined();
    expect(steerFor([rule], shape('xl', true), arm, 0)).toBeUndefined();
  });

  it('makes the incumbent of a never-seen context of that shape an arm no rule names, citing the rule', async () => {
    const on = await world(true);
    const choice = await chooseArms(on.optimizer, on.unseen, on.arms, 1);
    expect(choice.chosen[0]).not.toBe(on.def);
    expect(choice.chosen[0]).toBe(on.brief);
    expect(choice.reason).toMatch(
      /^incumbent: typescript-semconv doc_style=brief .* in place of the pack defaults, held back here by rule `param\.doc_style=full & templates=1 => compile_failure`/,
    );
    // the same context without templates: no rule applies, the defaults stay the incumbent
    expect((await chooseArms(on.optimizer, on.unseenPlain, on.arms, 1)).chosen[0]).toBe(on.def);
    // once the context has a record of its own, the rule no longer picks its incumbent: the defaults
    // run and are judged by their own outcomes there (a rule that held them back for good could never be found wrong)
    await on.learning.ingest(Array.from({ length: 5 }, () => candidateSpan(on.unseen, on.brief, 0.94)));
    const later = await chooseArms(on.optimizer, on.unseen, on.arms, 1);
    expect(later.chosen[0]).toBe(on.def);
    expect(later.reason).toBe('incumbent: pack defaults');
    // rules off: the defaults run first whatever the shape
    const off = await world(false);
    const plain = await chooseArms(off.optimizer, off.unseen, off.arms, 1);
    expect(plain.chosen[0]).toBe(off.def);
    expect(plain.reason).toBe('incumbent: pack defaults');
  });

  it('draws a held-back arm later as a challenger there, and lets its own outcomes speak once tried', async () => {
    const count = async (rules: boolean) => {
      const w = await world(rules);
      const others = w.arms.filter((a) => a !== w.brief);
      let times = 0;
      for (let i = 0; i < 600; i++) {
        const c = await w.optimizer.choose(w.unseen, others, 1);
        if (c.chosen[0].arm === w.def) times++;
      }
      return { times, w, others };
    };
    const off = await count(false);
    const on = await count(true);
    expect(off.times).toBeGreaterThan(25);
    expect(on.times).toBeLessThan(off.times / 3);
    const assessed = await on.w.optimizer.assess(on.w.unseen, on.others);
    const def = assessed.find((a) => a.arm === on.w.def);
    expect(def?.steer?.rule.antecedent).toEqual(['param.doc_style=full', 'templates=1']);
    const { alternatives } = await on.w.optimizer.choose(on.w.unseen, on.others, 1);
    const shown = alternatives.find((a) => a.arm === on.w.def);
    if (shown) expect(shown.reason).toContain('held back by rule `param.doc_style=full & templates=1');
    // tried once in the new context: the rule no longer speaks for it there
    await on.w.learning.ingest([candidateSpan(on.w.unseen, on.w.def, 0.97)]);
    expect((await on.w.optimizer.assess(on.w.unseen, [on.w.def]))[0].steer).toBeUndefined();
  });

  it('does not run a model that a rule says fails on this shape where it was never tried, and says why', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const learning = createLearning({ store });
    const optimizer = createOptimizer({ store, learning }, { seed: 7 });
    const model = 'openai:m';
    const templates = enumerateArms(await builtinPacks(), { language: 'typescript' });
    const prompts = enumerateArms(await promptPacks(), { language: 'typescript', models: [model] });
    const def = templates.find((a) => a.isDefault) as Arm;
    const full = prompts.find((a) => a.isDefault) as Arm;
    const spans = [];
    for (const [size, templated] of [
      ['s', true],
      ['m', true],
      ['s', false],
      ['m', false],
    ] as const) {
      const c = shape(size, templated);
      for (let i = 0; i < 6; i++) {
        spans.push(candidateSpan(c, def, 0.8));
        spans.push(templated ? candidateSpan(c, full, 0.25, 0) : candidateSpan(c, full, 0.93));
      }
    }
    await learning.ingest(spans);
    const arms = [...templates, ...prompts];
    const held = await chooseArms(optimizer, shape('l', true), arms, 1);
    expect(held.chosen.some((a) => a.model === model)).toBe(false);
    expect(held.reason).toContain(
      `${model}: not run in this new context, held back by rule \`model=${model} & templates=1 => compile_failure\``,
    );
    const plain = await chooseArms(optimizer, shape('l', false), arms, 1);
    expect(plain.chosen.some((a) => a.model === model)).toBe(true);
    // rules off: the model runs on that shape too
    const off = createOptimizer({ store, learning }, { seed: 7, rules: false });
    expect((await chooseArms(off, shape('l', true), arms, 1)).chosen.some((a) => a.model === model)).toBe(
      true,
    );
  });
});
