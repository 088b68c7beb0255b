import { table } from '../../cli/render/table.js';
import { createTaskModels, createTaskRunner, type TaskResult } from '../../node/tasks/index.js';
import { startRecordedModel } from '../recorded-model.js';
import { recordedAnswer } from './answer.js';
import { MODEL_A, MODEL_B, RECORDED_TASKS, type RecordedTask } from './recorded.js';

export interface TaskReplayRow {
  id: string;
  language: string;
  /** each model alone, its quality in each round it answered (the loop correcting one model) */
  alone: Record<string, number[]>;
  /** both models at once: the best quality in round 1, and after the loop */
  first: number;
  after: number;
  rounds: number;
  tokens: number;
  /** Jaccard similarity of the sets of tests each model passes, when the race ends */
  agreement: number;
  winner: string;
}

/**
 * Free-form tasks, replayed through the real OpenAI SDK (a loopback server with the recordings):
 * each model alone, where a model below the threshold is told which tests failed and answers again;
 * then both at once, where the best answer wins and agreement is which tests each passes. The models
 * are fixed recordings: a recorded model fixes only the defects whose cues the correction prompt names
 * (bench/tasks/answer.ts), so feedback naming one of three failing tests fixes one defect. The ablation (`feedback: 'ignored'`) is the same replay with a model
 * that does not read the feedback: what the loop is worth without it.
 */
export async function replayTasks(
  tasks: readonly RecordedTask[] = RECORDED_TASKS,
  feedback: 'read' | 'ignored' = 'read',
): Promise<TaskReplayRow[]> {
  const byDescription = new Map(tasks.map((t) => [t.description, t]));
  const server = await startRecordedModel((req) => {
    const description = /^Task: (.*)$/m.exec(req.user)?.[1] ?? '';
    const recorded = byDescription.get(description)?.answers[req.model];
    if (!recorded) throw new Error(`no recording of ${req.model} for "${description}"`);
    const correction = /Correction round \d+[\s\S]*/.exec(req.user)?.[0];
    return recordedAnswer(recorded, feedback === 'read' ? correction : undefined);
  });
  const runnerOf = async (ids: string[]) => {
    const models = await createTaskModels(
      {
        models: ids.map((m) => `openai:${m}`).join(','),
        openai: { apiKey: 'bench', baseURL: server.url, stream: false, maxRetries: 0 },
      },
      { env: {} },
    );
    if (models.clients.length !== ids.length)
      throw new Error(models.skipped.map((s) => s.message).join('; '));
    return createTaskRunner({ models });
  };
  try {
    const alone = [await runnerOf([MODEL_A]), await runnerOf([MODEL_B])];
    const race = await runnerOf([MODEL_A, MODEL_B]);
    const rows: TaskReplayRow[] = [];
    for (const t of tasks) {
      const task = { description: t.description, language: t.language, tests: t.tests };
      const solo: Record<string, number[]> = {};
      for (const runner of alone) {
        const [c] = (await runner.run(task)).candidates;
        solo[c.model] = c.history;
      }
      const r: TaskResult = await race.run(task);
      rows.push({
        id: t.id,
        language: r.language,
        alone: solo,
        first: Math.max(0, ...r.candidates.map((c) => c.history[0] ?? 0)),
        after: r.candidates[r.winner]?.q ?? 0,
        rounds: r.rounds,
        tokens: r.usage.inputTokens + r.usage.outputTokens,
        agreement: r.agreement,
        winner: r.candidates[r.winner]?.model ?? '-',
      });
    }
    return rows;
  } finally {
    await server.close();
  }
}

export async function benchTasks(): Promise<void> {
  const rows = await replayTasks();
  const deaf = await replayTasks(RECORDED_TASKS, 'ignored');
  const hist = (h?: number[]) => (h ? h.map((q) => q.toFixed(2)).join(' -> ') : '-');
  console.log(`\n## free-form tasks, replayed (${rows.length} tasks, two recorded models at once, real SDK)`);
  console.log(
    table(
      [
        'task',
        'lang',
        `${MODEL_A} alone, q by round`,
        `${MODEL_B} alone, q by round`,
        'both: best round 1',
        'after loop',
        'rounds',
        'tokens',
        'agreement',
      ],
      rows.map((r) => [
        r.id,
        r.language,
        hist(r.alone[`openai:${MODEL_A}`]),
        hist(r.alone[`openai:${MODEL_B}`]),
        r.first.toFixed(3),
        r.after.toFixed(3),
        r.rounds,
        r.tokens,
        r.agreement.toFixed(3),
      ]),
    ),
  );
  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  // each model on its own: how much the loop brings a single model
  const own = rows.flatMap((r) => Object.values(r.alone));
  console.log(
    `each model alone: first-round q ${mean(own.map((h) => h[0])).toFixed(3)} -> after the loop ${mean(own.map((h) => Math.max(...h))).toFixed(3)} in ${mean(own.map((h) => h.length)).toFixed(2)} rounds; ` +
      `both at once: best first-round q ${mean(rows.map((r) => r.first)).toFixed(3)} -> ${mean(rows.map((r) => r.after)).toFixed(3)}, ` +
      `rounds ${mean(rows.map((r) => r.rounds)).toFixed(2)} on average; tokens ${rows.reduce((n, r) => n + r.tokens, 0)}; ` +
      `agreement (tests each passes, when the race ends) ${mean(rows.map((r) => r.agreement)).toFixed(3)}, ${rows.filter((r) => r.agreement >= 0.9).length}/${rows.length} >= 0.9`,
  );
  // the ablation: the same replay with models that do not read the feedback
  const deafOwn = deaf.flatMap((r) => Object.values(r.alone));
  console.log(
    `ablation, models that ignore the feedback (same tasks): each alone ${mean(deafOwn.map((h) => h[0])).toFixed(3)} -> ${mean(deafOwn.map((h) => Math.max(...h))).toFixed(3)}; ` +
      `both at once ${mean(deaf.map((r) => r.first)).toFixed(3)} -> ${mean(deaf.map((r) => r.after)).toFixed(3)}; ` +
      `the feedback is worth ${(mean(own.map((h) => Math.max(...h))) - mean(deafOwn.map((h) => Math.max(...h)))).toFixed(3)} q for a model alone`,
  );
}
