import { describe, expect, it } from 'vitest';
import { BENCH_NAMESPACES, replayRegistries } from '../../../bench/reasoning.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { skipNote } from '../../helpers/tools.js';

const REGISTRY = semconvRegistry() as string;
const NOTE = skipNote(!REGISTRY && SEMCONV_MISSING);

// A shorter replay than the benchmark's: real registries, the real OpenAI SDK against recorded answers.
describe.skipIf(!REGISTRY)(`reasoning replay over real registries${NOTE}`, () => {
  it('corrects the recorded defects and predicts quality before running, first answers apart from answers to feedback', async () => {
    const r = await replayRegistries(REGISTRY, BENCH_NAMESPACES.slice(0, 8));
    expect(r.rows).toHaveLength(9);
    for (const row of r.rows) {
      // a defect below the threshold is fed back and fixed in round 2; a right first answer stops at once
      if (row.first < 0.9) expect(row, row.name).toMatchObject({ after: 1, rounds: 2 });
      if (row.defects.length === 0)
        expect(row, row.name).toMatchObject({ first: 1, rounds: 1, agreement: 1 });
    }
    expect(
      r.rows.filter((x) => x.defects.includes('one constant mistyped')).every((x) => x.first <= 0.3),
    ).toBe(true);
    const scored = r.predictions.filter((p) => p.from > 0);
    expect(scored.length).toBeGreaterThan(20);
    const near = scored.filter((p) => Math.abs(p.predicted - p.measured) <= 0.1).length;
    expect(near / scored.length).toBeGreaterThan(0.7);
    // answers to feedback are predicted from earlier answers to feedback, not from broken first answers
    const fixes = scored.filter((p) => p.attempt === 'correction');
    expect(fixes.length).toBeGreaterThan(2);
    for (const p of fixes) expect(p.predicted).toBeGreaterThan(0.8);
  }, 120_000);
});
