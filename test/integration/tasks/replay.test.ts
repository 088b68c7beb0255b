import { describe, expect, it } from 'vitest';
import { fixedIn, recordedAnswer } from '../../../bench/tasks/answer.js';
import { MODEL_B, RECORDED_TASKS } from '../../../bench/tasks/recorded.js';
import { replayTasks } from '../../../bench/tasks/replay.js';
import { toolchain } from '../../helpers/tools.js';

/** the recorded tasks are in every language: their tests run on each toolchain */
const TOOLS = toolchain('python', 'go', 'rust', 'java', 'junit');

describe('task replay (the benchmark’s recorded tasks)', () => {
  const corrects = `corrects each model alone from its failing tests, and the race keeps the best answer${TOOLS.note}`;
  it.skipIf(TOOLS.skip)(corrects, { timeout: 120_000 }, async () => {
    const rows = await replayTasks();
    expect(rows.map((r) => r.id)).toEqual(RECORDED_TASKS.map((t) => t.id));
    for (const r of rows) {
      for (const [model, h] of Object.entries(r.alone)) {
        // a model below 1 answers again with the failing tests and ends at 1; a right one stops at once
        if (h[0] < 1) expect(h, `${r.id} ${model}`).toEqual([h[0], 1]);
        else expect(h, `${r.id} ${model}`).toEqual([1]);
      }
      expect(r.after, r.id).toBe(1);
      expect(r.first, r.id).toBe(Math.max(...Object.values(r.alone).map((h) => h[0])));
    }
    // the type error is capped, the forgotten edge case is not
    const duration = rows.find((r) => r.id === 'parse-duration')!;
    expect(duration.alone['openai:recorded-a'][0]).toBeCloseTo(0.3, 10);
    expect(duration.rounds).toBe(2);
  });

  const ablation = `without the feedback's content the loop fixes nothing: models that ignore it stay at their first answer${TOOLS.note}`;
  it.skipIf(TOOLS.skip)(ablation, { timeout: 120_000 }, async () => {
    const rows = await replayTasks(RECORDED_TASKS, 'ignored');
    for (const r of rows)
      for (const [model, h] of Object.entries(r.alone)) {
        // asked again, the same wrong answer: no round improves, so the loop stops
        expect(Math.max(...h), `${r.id} ${model}`).toBe(h[0]);
        if (h[0] < 1) expect(h.length, `${r.id} ${model}`).toBeGreaterThan(1);
      }
    const wrong = rows.flatMap((r) => Object.values(r.alone)).filter((h) => h[0] < 1);
    expect(wrong.length).toBeGreaterThanOrEqual(5);
  });

  it('a recorded model fixes only the defects the feedback names, and keeps the fixes it made', () => {
    // the recordings are consistent: the first answer has every defect, the right one none
    for (const t of RECORDED_TASKS)
      for (const [model, a] of Object.entries(t.answers))
        for (const d of a.defects ?? []) {
          expect(a.right.split(d.right).length, `${t.id} ${model}`).toBe(2);
          expect(fixedIn(recordedAnswer(a), d), `${t.id} ${model}`).toBe(false);
          expect(fixedIn(a.right, d), `${t.id} ${model}`).toBe(true);
        }
    const roman = RECORDED_TASKS.find((t) => t.id === 'roman')!.answers[MODEL_B];
    const first = recordedAnswer(roman);
    const correction = (failing: string[], previous: string) =>
      `Correction round 1: your previous answer passed 1 of 6 tests.\nFailing tests:\n${failing.map((f) => `- ${f}: AssertionError`).join('\n')}\nYour previous files:\n${previous}\nAnswer with the corrected files, complete.`;
    // one of three failing tests named: that defect is fixed, not the others
    const once = recordedAnswer(roman, correction(['test_four'], first));
    expect(once).not.toBe(roman.right);
    expect(once).toContain('(4, "IV")');
    expect(once).not.toContain('(9, "IX")');
    expect(once).not.toContain('(900, "CM")');
    // the next round names the rest; the IV fix it already made stays
    expect(recordedAnswer(roman, correction(['test_nine', 'test_1994', 'test_3999'], once))).toBe(
      roman.right,
    );
    // a defect with two cues needs both; feedback that names nothing fixes nothing
    const palindrome = RECORDED_TASKS.find((t) => t.id === 'palindrome')!.answers[MODEL_B];
    const raw = recordedAnswer(palindrome);
    expect(recordedAnswer(palindrome, correction(['mixedCase'], raw))).toBe(raw);
    expect(recordedAnswer(palindrome, correction(['mixedCase', 'punctuation'], raw))).toBe(palindrome.right);
    expect(recordedAnswer(roman, correction([], first))).toBe(first);
  });
});
