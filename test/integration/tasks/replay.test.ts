import { describe, expect, it } from 'vitest';
import { RECORDED_TASKS } from '../../../bench/tasks/recorded.js';
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
});
