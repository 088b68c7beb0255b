import { describe, expect, it } from 'vitest';
import type { Arm } from '../../../node/optimizer/arms.js';
import type { CandidateResult } from '../../../node/orchestra/index.js';
import type { Pack } from '../../../node/packs/index.js';
import { planNextRound, type RoundState } from '../../../node/reasoning/next-round.js';
import { DEFECT_KINDS, type DefectKind, type ValidationResult } from '../../../node/validation/index.js';

const arm = {
  key: 'p:h:openai:m',
  packId: 'p',
  packName: 'prompt',
  params: {},
  paramsHash: 'h',
  model: 'openai:m',
  language: 'typescript',
  isDefault: true,
} as Arm;
const pack = { manifest: { name: 'prompt' } } as unknown as Pack;

/** A model's answer: compiled or not, with these correctness defects (`kind:item`). */
function answer(
  index: number,
  attempt: 'first' | 'correction',
  compiled: boolean,
  defects: string[],
  q: number,
): CandidateResult {
  const list = defects.map((d) => {
    const [kind, item] = d.split(':');
    return { kind: kind as DefectKind, item, message: d };
  });
  const counts = Object.fromEntries(DEFECT_KINDS.map((k) => [k, list.filter((d) => d.kind === k).length]));
  return {
    index,
    arm,
    files: [],
    q,
    spanId: `s${index}`,
    durationMs: 1,
    cached: false,
    attempt,
    validation: {
      toolchain: {
        status: compiled ? 'passed' : 'failed',
        errors: compiled ? 0 : 1,
        warnings: 0,
        diagnostics: [],
        tool: 'tsc',
        language: 'typescript',
        durationMs: 1,
      },
      symbols: {
        defects: list,
        defectCounts: counts,
        correct: list.length === 0,
        expected: 10,
        found: 10,
        misnamed: [],
        missing: [],
        wrongValue: [],
        foundKeys: [],
      },
      quality: { q, components: {} },
    } as unknown as ValidationResult,
  };
}

const state = (
  results: CandidateResult[],
  round: number,
  bestBefore?: RoundState['bestBefore'],
): RoundState => ({
  round,
  maxRounds: 3,
  threshold: 0.9,
  validate: true,
  aborted: false,
  fixedParams: false,
  results,
  roundResults: results.filter((r) => r.index === results.length - 1),
  bestBefore,
  arms: [arm],
  packs: new Map([['p', pack]]),
  tried: new Set([arm.key]),
  candidates: 1,
  predictFirst: () => 0.5,
});

describe("the loop's stopping rule", () => {
  it('does not stop on a wrong answer that reaches the quality bar while a round is left', () => {
    const first = answer(0, 'first', true, ['wrong_name:shop.a'], 0.95);
    const plan = planNextRound(state([first], 1));
    expect(plan.stop).toBe('');
    expect(plan.next).toHaveLength(1);
    expect(plan.next[0].feedback?.misnamed).toEqual(['wrong_name:shop.a']);
  });

  it('goes on after a round that fixed what it was told while making a new defect', () => {
    const first = answer(0, 'first', true, ['wrong_name:shop.a'], 0.95);
    const r1 = planNextRound(state([first], 1));
    const second = answer(1, 'correction', true, ['wrong_name:shop.b'], 0.95);
    const r2 = planNextRound(state([first, second], 2, r1.best));
    expect(r2.stop).toBe('');
  });

  it('stops after a round that fixed nothing it was told (the same defects again)', () => {
    const first = answer(0, 'first', true, ['wrong_name:shop.a'], 0.95);
    const r1 = planNextRound(state([first], 1));
    const second = answer(1, 'correction', true, ['wrong_name:shop.a'], 0.95);
    const r2 = planNextRound(state([first, second], 2, r1.best));
    expect(r2.stop).toMatch(/did not improve .* fixed nothing it was told/);
  });

  it('stops on an acceptable answer, and at the round limit with the reason', () => {
    const good = answer(0, 'first', true, [], 0.97);
    expect(planNextRound(state([good], 1)).stop).toMatch(/^accepted /);
    const first = answer(0, 'first', true, ['missing:shop.a'], 0.8);
    const r = planNextRound({ ...state([first], 3), maxRounds: 3 });
    expect(r.stop).toMatch(/round limit 3 reached; the best 1 correctness defect/);
  });
});
