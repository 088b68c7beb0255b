import { describe, expect, it } from 'vitest';
import { FIT_SEEDS, REPORT_SEEDS, type RegistrySpec, replayRegistries } from '../../../bench/reasoning.js';
import { SYNTHETIC } from '../../../bench/sim/registries.js';
import type { Predicted, RunRow } from '../../../bench/sim/rows.js';
import { createQualityPredictor } from '../../../node/learning/index.js';
import { MINI_REGISTRY, SHOP_REGISTRY, writeRegistry } from '../../helpers/registry.js';

const key = (d: { kind: string; name: string }) => `${d.kind}:${d.name}`;
const wrong = (r: RunRow) => r.final.defects.length > 0 || !!r.error;

/**
 * A small seeded replay of the reasoning loop against the bench's simulated model (bench/sim): the
 * project's own registries and two written here, TypeScript and Python, the loop with the product's
 * feedback beside the ablation (the prompt pack's feedback emptied). No real registry needed. Its
 * seeds are neither the bench's fit seeds nor its report seeds (1-3, 101-103): a development set.
 */
const SEEDS = { fit: [4, 5, 6], report: [201, 202, 203] };
/**
 * The predictor fitted on the fit set alone is within 0.1 of the measured q on at least this share
 * of the report candidates. Measured: 19/21 (90%) on these seeds; 20/23 on fit 7-9/report 301-303,
 * 17/23 on the bench's 1-3/101-103. On these seeds it fails a predictor of the mean q instead of the
 * median (15/21: quality is bimodal, the mean lies between the modes), one held at its prior 0.5
 * (0/21) or shrunk too hard (strength 10: 1/21); a constant near the mode passes it too (0.9:
 * 19/21): nearly every q here is 1.0 or a first answer that did not compile (about 0.3).
 */
const WITHIN_FLOOR = 0.8;
const within = (ps: Pick<Predicted, 'predicted' | 'measured'>[]) =>
  ps.filter((p) => Math.abs(p.predicted - p.measured) <= 0.1).length / ps.length;
describe('reasoning loop against a simulated model', () => {
  it('names and fixes every defect, never accepts a wrong answer, stops early only on a round without improvement, beats the ablation', async () => {
    const [deprecations, numbers] = Object.keys(SYNTHETIC);
    const registries: RegistrySpec[] = [
      { name: 'mini', dir: MINI_REGISTRY, set: 'fit' },
      { name: deprecations, dir: await writeRegistry(SYNTHETIC[deprecations]), set: 'fit' },
      { name: 'shop', dir: SHOP_REGISTRY, set: 'report' },
      { name: numbers, dir: await writeRegistry(SYNTHETIC[numbers]), set: 'report' },
    ];
    expect(SEEDS.report.some((s) => REPORT_SEEDS.includes(s) || FIT_SEEDS.includes(s))).toBe(false);
    const r = await replayRegistries({ registries, fitSeeds: SEEDS.fit, reportSeeds: SEEDS.report });
    const fb = r.rows.filter((x) => x.arm === 'feedback');
    const ab = r.rows.filter((x) => x.arm === 'ablation');
    expect(r.simErrors).toEqual([]);
    expect(fb).toHaveLength(24);
    expect(ab).toHaveLength(24);
    for (const x of r.rows) expect(x.error, x.run).toBeUndefined();
    const where = (x: RunRow) => `${x.run} ${x.language}: ${x.stop}`;

    // the same seeds make the same first answers in both arms, and some of them are wrong
    for (const a of fb)
      expect(ab.find((b) => b.run === a.run && b.language === a.language)?.first.q, a.run).toBe(a.first.q);
    expect(fb.filter((x) => x.first.defects.length > 0).length).toBeGreaterThan(12);

    // it tells and fixes: a correction prompt shows the model its previous files and names every defect
    // in them, and no defect a correction prompt named (up to the round written) is in the written
    // answer unless the model made it anew after that prompt
    const corrections = r.answers.feedback.filter((a) => a.round > 1);
    expect(corrections.length).toBeGreaterThan(15);
    for (const a of corrections) {
      const at = `${a.run} ${a.language} round ${a.round}`;
      expect(a.fresh, at).toBe(false);
      expect(a.named.map(key).sort(), at).toEqual(a.before.map(key).sort());
    }
    for (const x of fb) {
      const mine = r.answers.feedback.filter(
        (a) => a.run === x.run && a.language === x.language && a.round <= x.winnerRound,
      );
      const named = new Set(mine.flatMap((a) => a.named.map(key)));
      const remade = new Set(mine.filter((a) => a.round > 1).flatMap((a) => a.made.map(key)));
      const kept = x.final.defects.filter((d) => named.has(key(d)) && !remade.has(key(d)));
      expect(kept, where(x)).toEqual([]);
    }
    expect(corrections.flatMap((a) => a.named).length).toBeGreaterThan(30);

    // never accepts a wrong answer; on a wrong answer with rounds left it stops only by its rule that
    // a round which did not improve ends the loop (the bench counts when the truth had improved)
    for (const x of r.rows) if (wrong(x)) expect(x.accepted, where(x)).toBe(false);
    for (const x of fb.filter((y) => wrong(y) && y.rounds < r.maxRounds))
      expect(x.stop, where(x)).toMatch(/did not improve/);

    // and beats the ablation on the same seeds
    const mean = (xs: RunRow[]) => xs.reduce((s, x) => s + x.final.q, 0) / xs.length;
    const defects = (xs: RunRow[]) => xs.reduce((s, x) => s + x.final.defects.length, 0);
    expect(mean(fb)).toBeGreaterThan(mean(ab));
    expect(defects(fb)).toBeLessThan(defects(ab));
    expect(fb.filter(wrong).length).toBeLessThanOrEqual(ab.filter(wrong).length);

    // quality predicted by what the fit set taught alone, on the report set's candidates
    expect(r.frozen.length).toBeGreaterThanOrEqual(18);
    expect(within(r.frozen)).toBeGreaterThanOrEqual(WITHIN_FLOOR);
    // the floor tells a broken predictor on the same candidates: the mean's, the prior's
    for (const init of [{ estimator: 'mean' }, { strength: 1e6 }] as const) {
      const broken = createQualityPredictor(r.fitOutcomes, init);
      const predicted = r.frozen.map((p) => ({ measured: p.measured, predicted: broken.predict(p.query).q }));
      expect(within(predicted), JSON.stringify(init)).toBeLessThan(WITHIN_FLOOR);
    }
  }, 240_000);
});
