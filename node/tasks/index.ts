import type { Tracer } from '@opentelemetry/api';
import type { GeneratedFile } from '../generation/index.js';
import { isModelError } from '../models/errors.js';
import { extractFiles } from '../models/extract.js';
import type { Usage } from '../models/index.js';
import type { ChatClient } from '../models/llm.js';
import { agreementOf } from './agreement.js';
import type { TaskModels } from './clients.js';
import { TaskError, TaskErrorCode } from './errors.js';
import { buildTaskPrompt } from './prompt.js';
import { harnessFor, type TaskLanguage, type TestRun, taskLanguage } from './runners/index.js';

export { agreementOf } from './agreement.js';
export { createTaskModels, type TaskModels } from './clients.js';
export { TaskError, TaskErrorCode } from './errors.js';
export { buildTaskPrompt } from './prompt.js';
export {
  harnessFor,
  TASK_LANGUAGES,
  type TaskLanguage,
  type TestOutcome,
  type TestRun,
  taskLanguage,
} from './runners/index.js';

export interface Task {
  description: string;
  /** `typescript`/`ts` or `python`/`py` */
  language: string;
  tests: { path: string; content: string }[];
}

export interface TaskRunOptions {
  /** stop correcting once the best candidate reaches this quality (default 1) */
  threshold?: number;
  /** rounds at most, the first included (default 3) */
  maxRounds?: number;
  /** per test run (default 10 s): a hanging test fails */
  testTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface TaskCandidate {
  model: string;
  /** the candidate's best round's files */
  files: GeneratedFile[];
  compiled: boolean;
  passed: number;
  failed: number;
  total: number;
  /** passed/total, times 0.3 when it does not compile */
  q: number;
  /** all rounds together */
  usage: Usage;
  /** rounds this model answered */
  rounds: number;
  /** its quality in each round it answered, in order (0 for a round without a usable answer) */
  history: number[];
  /** the best round's test run */
  run: TestRun;
  /** the model's last failure (no answer, no files) */
  error?: string;
}

export interface TaskDecision {
  round: number;
  decision: string;
}

export interface TaskResult {
  language: TaskLanguage;
  candidates: TaskCandidate[];
  /** index into candidates, -1 when none */
  winner: number;
  winnerReason: string;
  /** mean pairwise Jaccard similarity of the sets of tests each candidate passes; 1 with one candidate */
  agreement: number;
  rounds: number;
  decisions: TaskDecision[];
  usage: Usage;
}

export interface TaskRunner {
  run(task: Task, options?: TaskRunOptions): Promise<TaskResult>;
}

export interface TaskRunnerComponents {
  models: TaskModels;
  tracer?: Tracer;
}

export interface TaskRunnerInit {
  threshold?: number;
  maxRounds?: number;
  testTimeoutMs?: number;
}

/** A candidate that does not compile scores at most this (DESIGN.md's quality contract). */
export const UNCOMPILED_CAP = 0.3;

export const qualityOf = (run: Pick<TestRun, 'compiled' | 'passed' | 'total'>) =>
  (run.total ? run.passed / run.total : 0) * (run.compiled ? 1 : UNCOMPILED_CAP);

const zeroUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0, costUsd: 0, priced: true });

/**
 * Free-form tasks: every configured model answers the request at once, each answer is compiled and
 * run against the given tests, and models below the threshold get their failing tests and compiler
 * errors back for another round, until the best is good enough, the rounds run out, or a round
 * brings no improvement.
 */
export function createTaskRunner(components: TaskRunnerComponents, init: TaskRunnerInit = {}): TaskRunner {
  const { models, tracer } = components;
  const run = async (task: Task, options: TaskRunOptions = {}): Promise<TaskResult> => {
    const language = taskLanguage(task.language);
    if (models.clients.length === 0)
      throw new TaskError(
        TaskErrorCode.NO_MODELS,
        `no model generator is configured: the built-in template engine cannot write free-form code; set WEAVERGEN_MODELS (e.g. openai:gpt-4o-mini with OPENAI_API_KEY, or ollama:qwen3)${models.skipped.length ? ` (${models.skipped.map((s) => s.message).join('; ')})` : ''}`,
      );
    if (task.tests.length === 0)
      throw new TaskError(TaskErrorCode.NO_TESTS, 'a task needs at least one test file');
    const harness = harnessFor(language);
    const threshold = options.threshold ?? init.threshold ?? 1;
    const maxRounds = Math.max(1, options.maxRounds ?? init.maxRounds ?? 3);
    const timeoutMs = options.testTimeoutMs ?? init.testTimeoutMs ?? 10_000;
    const testPaths = new Set(task.tests.map((t) => t.path));
    const decisions: TaskDecision[] = [];

    type State = {
      client: ChatClient;
      best?: TaskCandidate;
      last?: { files: GeneratedFile[]; run: TestRun };
      usage: Usage;
      rounds: number;
      history: number[];
      error?: string;
    };
    const states: State[] = models.clients.map((client) => ({
      client,
      usage: zeroUsage(),
      rounds: 0,
      history: [],
    }));

    const attempt = async (s: State, round: number) => {
      const prompt = buildTaskPrompt(
        task.description,
        harness,
        task.tests,
        s.last ? { round: round - 1, files: s.last.files, run: s.last.run } : undefined,
      );
      s.rounds++;
      let files: GeneratedFile[];
      try {
        const answer = await s.client.complete({
          ...prompt,
          maxOutputTokens: models.maxOutputTokens[s.client.id] ?? 4096,
          signal: options.signal,
        });
        const cost = models.pricing.cost(s.client.id, answer.inputTokens, answer.outputTokens);
        s.usage = {
          inputTokens: s.usage.inputTokens + answer.inputTokens,
          outputTokens: s.usage.outputTokens + answer.outputTokens,
          costUsd: s.usage.costUsd + cost.costUsd,
          priced: s.usage.priced && cost.priced,
          ...(s.usage.estimated || !answer.usageReported ? { estimated: true as const } : {}),
        };
        // the tests are the task's: a model's version of a test file is dropped
        files = extractFiles(answer.text, s.client.id).files.filter((f) => !testPaths.has(f.path));
      } catch (e) {
        s.error = isModelError(e) ? `${e.message} [${e.code}]` : String((e as Error)?.message ?? e);
        decisions.push({ round, decision: `${s.client.id}: no usable answer: ${s.error}` });
        s.history.push(0);
        return;
      }
      s.error = undefined;
      const r = await harness.run(files, task.tests, { timeoutMs, signal: options.signal });
      s.last = { files, run: r };
      const q = qualityOf(r);
      s.history.push(q);
      decisions.push({
        round,
        decision: `${s.client.id}: ${r.compiled ? 'compiled' : `did not compile (${r.diagnostics.length} errors)`}, ${r.passed}/${r.total} tests passed, q=${q.toFixed(3)}`,
      });
      if (!s.best || q > s.best.q)
        s.best = {
          model: s.client.id,
          files,
          compiled: r.compiled,
          passed: r.passed,
          failed: r.total - r.passed,
          total: r.total,
          q,
          usage: s.usage,
          rounds: 0,
          history: [],
          run: r,
        };
    };

    let best = -1;
    let rounds = 0;
    for (let round = 1; round <= maxRounds; round++) {
      const todo = states.filter((s) => round === 1 || (s.best?.q ?? 0) < threshold);
      await Promise.all(todo.map((s) => attempt(s, round)));
      rounds = round;
      const now = Math.max(...states.map((s) => s.best?.q ?? 0));
      if (now >= threshold) {
        decisions.push({
          round,
          decision: `best q=${now.toFixed(3)} reaches the threshold ${threshold}: done`,
        });
        break;
      }
      if (round > 1 && now <= best) {
        decisions.push({
          round,
          decision: `best q=${now.toFixed(3)} did not improve on ${best.toFixed(3)}: stopping`,
        });
        break;
      }
      best = now;
      if (round < maxRounds)
        decisions.push({
          round,
          decision: `best q=${now.toFixed(3)} < ${threshold}: feeding the failing tests and compiler errors back`,
        });
    }

    const candidates: TaskCandidate[] = states.map((s) => ({
      ...(s.best ?? {
        model: s.client.id,
        files: [],
        compiled: false,
        passed: 0,
        failed: 0,
        total: 0,
        q: 0,
        run: {
          compiled: false,
          diagnostics: [],
          tests: [],
          passed: 0,
          total: 0,
          timedOut: false,
          durationMs: 0,
        },
      }),
      usage: s.usage,
      rounds: s.rounds,
      history: s.history,
      ...(s.error ? { error: s.error } : {}),
    }));
    const { winner, agreement, reason } = agreementOf(candidates);
    const usage = candidates.reduce<Usage>(
      (u, c) => ({
        inputTokens: u.inputTokens + c.usage.inputTokens,
        outputTokens: u.outputTokens + c.usage.outputTokens,
        costUsd: Math.round((u.costUsd + c.usage.costUsd) * 1e8) / 1e8,
        priced: u.priced && c.usage.priced,
        ...(u.estimated || c.usage.estimated ? { estimated: true as const } : {}),
      }),
      zeroUsage(),
    );
    return { language, candidates, winner, winnerReason: reason, agreement, rounds, decisions, usage };
  };
  return {
    run: (task, options) =>
      tracer
        ? tracer.startActiveSpan('weavergen.task', async (span) => {
            try {
              const r = await run(task, options);
              span.setAttributes({
                'weavergen.task.rounds': r.rounds,
                'weavergen.task.candidates': r.candidates.length,
                'weavergen.task.best_q': r.candidates[r.winner]?.q ?? 0,
              });
              return r;
            } finally {
              span.end();
            }
          })
        : run(task, options),
  };
}
