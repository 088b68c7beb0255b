import {
  type Context,
  context,
  isSpanContextValid,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { GeneratedFile } from '../generation/index.js';
import { isModelError } from '../models/errors.js';
import { extractFiles } from '../models/extract.js';
import type { Usage } from '../models/index.js';
import type { ChatClient } from '../models/llm.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';
import { agreementOf } from './agreement.js';
import { precheckTask } from './check.js';
import type { TaskModels } from './clients.js';
import { TaskError, TaskErrorCode } from './errors.js';
import { buildTaskPrompt } from './prompt.js';
import {
  harnessFor,
  type TaskLanguage,
  type TestHarness,
  type TestRun,
  taskLanguage,
} from './runners/index.js';

export { agreementOf } from './agreement.js';
export {
  checkDescription,
  checkTask,
  checkTests,
  precheckTask,
  TEST_PATH,
  TEST_PATH_RULE,
  testErrors,
} from './check.js';
export { createTaskModels, type TaskModels } from './clients.js';
export {
  isTaskError,
  TaskError,
  TaskErrorCode,
  type TaskErrorType,
} from './errors.js';
export { buildTaskPrompt } from './prompt.js';
export {
  harnessFor,
  TASK_LANGUAGES,
  type TaskLanguage,
  type TestHarness,
  type TestOutcome,
  type TestRun,
  taskLanguage,
} from './runners/index.js';
export {
  createTaskService,
  type TaskRecord,
  type TaskRequestOptions,
  type TaskService,
} from './service.js';

export interface Task {
  description: string;
  /** `typescript`/`ts`, `python`/`py`, `go`/`golang`, `rust`/`rs` or `java` */
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
  /** an id for the task, put on its spans as `weavergen.generation.id` so they can be found by it */
  id?: string;
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

/** A decision of the task's loop, in the form generations record theirs (DESIGN.md). */
export interface TaskDecision {
  /** 0 for the final choice of the winner */
  round: number;
  /** `task:round1`, ..., `task:winner` */
  step: string;
  choice: string;
  /** what else there was: each candidate's outcome in the round, or the losing candidates */
  alternatives: string[];
  reason: string;
  /** span ids of the `weavergen.task.candidate` spans behind it (empty without a tracer provider) */
  evidence: string[];
  /** the reason, with the round, for one-line logs */
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
  /** spans: `weavergen.task` with one `weavergen.task.candidate` child per answer */
  tracer?: Tracer;
  /** persists each decision as it is made (a node stores them for `weavergen explain`) */
  decide?: (d: TaskDecision) => Promise<void>;
  /** a test harness of your own for a language (default: the built-in one, see runners/) */
  harnesses?: Partial<Record<TaskLanguage, TestHarness>>;
}

export interface TaskRunnerInit {
  threshold?: number;
  maxRounds?: number;
  testTimeoutMs?: number;
}

/** `openai:gpt-x skipped: <why>` -> `openai:gpt-x: <why>` */
const skipReason = (s: { id: string; message: string }) => {
  const prefix = `${s.id} skipped: `;
  if (s.message.startsWith(prefix)) return `${s.id}: ${s.message.slice(prefix.length)}`;
  return s.message.startsWith(s.id) ? s.message : `${s.id}: ${s.message}`;
};

/**
 * Why a task cannot run: the real reason first. Configured models that cannot answer lead with each
 * one's own reason (`openai:gpt-x: ... the key was refused (HTTP 401) ...`); only when none is
 * configured at all does it say so.
 */
export const noModelsMessage = (models: Pick<TaskModels, 'skipped'>) =>
  models.skipped.length
    ? `${models.skipped.map(skipReason).join('; ')} (no configured chat model can answer, and the built-in template engine cannot write free-form code)`
    : 'no model generator is configured: the built-in template engine cannot write free-form code; set WEAVERGEN_MODELS (e.g. openai:gpt-4o-mini with OPENAI_API_KEY, or ollama:qwen3)';

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
  const { models } = components;
  const tracer = components.tracer ?? trace.getTracer('weavergen');
  const run = async (task: Task, options: TaskRunOptions = {}, parent?: Context): Promise<TaskResult> => {
    const language = taskLanguage(task.language);
    const harness = components.harnesses?.[language] ?? harnessFor(language);
    // the user's own errors first, before any model is asked: a blank description, test file names,
    // tests that do not compile alone (the harness's checkTests). The tests as the harness writes
    // them: an answer's file of the same name is dropped
    const tests = await precheckTask(task, { harness, signal: options.signal });
    if (models.clients.length === 0)
      throw new TaskError({ code: TaskErrorCode.NO_MODELS }, noModelsMessage(models));
    const threshold = options.threshold ?? init.threshold ?? 1;
    const maxRounds = Math.max(1, options.maxRounds ?? init.maxRounds ?? 3);
    const timeoutMs = options.testTimeoutMs ?? init.testTimeoutMs ?? 10_000;
    const testPaths = new Set(tests.map((t) => t.path));
    const decisions: TaskDecision[] = [];
    const decide = async (d: Omit<TaskDecision, 'decision'>) => {
      const full = { ...d, decision: d.round ? `round ${d.round}: ${d.reason}` : d.reason };
      decisions.push(full);
      await components.decide?.(full);
    };
    const idAttr = options.id ? { [ATTR.generationId]: options.id } : {};
    /** this round's outcome per candidate, and the span it is recorded on */
    let roundLines: string[] = [];
    let roundSpans: string[] = [];
    const allSpans: string[] = [];

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

    const attempt = (s: State, round: number) =>
      tracer.startActiveSpan(
        SPAN.taskCandidate,
        {
          attributes: {
            ...idAttr,
            [ATTR.language]: language,
            [ATTR.armModel]: s.client.id,
            'weavergen.reasoning.round': round,
            [ATTR.attempt]: s.last ? 'correction' : 'first',
          },
        },
        parent ?? context.active(),
        async (span) => {
          const spanId = span.spanContext().spanId;
          if (isSpanContextValid(span.spanContext())) {
            roundSpans.push(spanId);
            allSpans.push(spanId);
          }
          try {
            await answer(s, round, span);
          } finally {
            span.end();
          }
        },
      );

    const answer = async (s: State, round: number, span: Span) => {
      const prompt = buildTaskPrompt(
        task.description,
        harness,
        tests,
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
        span.setAttributes({
          'weavergen.model.input_tokens': answer.inputTokens,
          'weavergen.model.output_tokens': answer.outputTokens,
          'weavergen.model.cost_usd': cost.costUsd,
        });
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
        span.setStatus({ code: SpanStatusCode.ERROR, message: s.error });
        span.setAttributes({ [ATTR.quality]: 0, [ATTR.qCompiled]: 0 });
        roundLines.push(`${s.client.id}: no usable answer: ${s.error}`);
        s.history.push(0);
        return;
      }
      s.error = undefined;
      // a harness reports problems in its result; should one throw anyway, this answer fails, not the task
      const r = await harness.run(files, tests, { timeoutMs, signal: options.signal }).catch((e): TestRun => {
        const message = `the test run failed: ${(e as Error)?.message ?? e}`;
        return {
          compiled: false,
          diagnostics: [message],
          tests: tests.map((t) => ({ name: t.path, passed: false, message })),
          passed: 0,
          total: tests.length,
          timedOut: false,
          durationMs: 0,
        };
      });
      s.last = { files, run: r };
      const q = qualityOf(r);
      s.history.push(q);
      span.setAttributes({
        [ATTR.quality]: q,
        [ATTR.qCompiled]: r.compiled ? 1 : 0,
        'weavergen.task.tests.passed': r.passed,
        'weavergen.task.tests.total': r.total,
        'weavergen.task.timed_out': r.timedOut,
        'weavergen.task.output_too_large': r.outputTooLarge === true,
      });
      roundLines.push(
        `${s.client.id}: ${r.compiled ? 'compiled' : `did not compile (${r.diagnostics.length} errors)`}, ${r.passed}/${r.total} tests passed${r.outputTooLarge ? ' (output too large: the run was stopped)' : ''}, q=${q.toFixed(3)}`,
      );
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
      roundLines = [];
      roundSpans = [];
      await Promise.all(todo.map((s) => attempt(s, round)));
      rounds = round;
      const now = Math.max(...states.map((s) => s.best?.q ?? 0));
      let stop = '';
      if (now >= threshold) stop = `best q=${now.toFixed(3)} reaches the threshold ${threshold}: done`;
      else if (round > 1 && now <= best)
        stop = `best q=${now.toFixed(3)} did not improve on ${best.toFixed(3)}: stopping`;
      else if (round >= maxRounds) stop = `round limit ${maxRounds} reached at q=${now.toFixed(3)}`;
      else if (options.signal?.aborted) stop = 'cancelled';
      best = Math.max(best, now);
      const again = states.filter((s) => (s.best?.q ?? 0) < threshold).map((s) => s.client.id);
      await decide({
        round,
        step: `task:round${round}`,
        choice: stop ? 'stop' : `ask ${again.join(' + ')} again`,
        alternatives: roundLines,
        reason:
          stop ||
          `best q=${now.toFixed(3)} < ${threshold}: feeding the failing tests and compiler errors back`,
        evidence: roundSpans,
      });
      if (stop) break;
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
    await decide({
      round: 0,
      step: 'task:winner',
      choice: candidates[winner]?.model ?? 'none',
      alternatives: candidates
        .filter((_, i) => i !== winner)
        .map((c) => `${c.model} q=${c.q.toFixed(3)} (${c.passed}/${c.total} tests)`),
      reason,
      evidence: allSpans,
    });
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
    async run(task, options = {}) {
      const span = tracer.startSpan(SPAN.task, {
        attributes: options.id ? { [ATTR.generationId]: options.id } : {},
      });
      try {
        const r = await run(task, options, trace.setSpan(context.active(), span));
        span.setAttributes({
          [ATTR.language]: r.language,
          'weavergen.task.rounds': r.rounds,
          'weavergen.task.candidates': r.candidates.length,
          'weavergen.task.best_q': r.candidates[r.winner]?.q ?? 0,
        });
        return r;
      } catch (e) {
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        throw e;
      } finally {
        span.end();
      }
    },
  };
}
