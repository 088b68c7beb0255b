import type { Store } from '../storage/index.js';
import { SPAN } from '../telemetry/conventions.js';
import { createSpanQueries, spansByTime } from '../telemetry/queries.js';
import type { SpanRecord } from '../telemetry/span-record.js';
import { type ArmStats, createArmStatsTable } from './arm-stats.js';
import { contextKey, type GenerationContext, parseContextKey } from './context.js';
import type { Correlation } from './correlations.js';
import { readAllPromoted, readPromotions } from './decisions.js';
import { LearningError, LearningErrorCode } from './errors.js';
import { type CandidateOutcome, HIGH_QUALITY, outcomeFromSpan } from './features.js';
import { buildInsights, type Insights } from './insights.js';
import { correlateOf, mineRulesOf } from './mine-rows.js';
import { createQualityPredictor, type QualityPredictor } from './predict.js';
import type { RuleSet, RuleThresholds } from './rules.js';
import { type OutcomeRows, prependRows, RowGroups, readOutcomeRows } from './window.js';

export { type ArmStats, costOf, meanOf, sdOf } from './arm-stats.js';
export { contextKey, contextOf, type GenerationContext, parseContextKey } from './context.js';
export type { Correlation } from './correlations.js';
export type { PromotedPointer, PromotionDecision, VariantSummary } from './decisions.js';
export { LearningError, LearningErrorCode, type LearningErrorType } from './errors.js';
export {
  type ArmRef,
  type Attempt,
  armKey,
  type CandidateOutcome,
  candidateAttributes,
  featuresOf,
  HIGH_QUALITY,
  LOW_QUALITY,
  labelsOf,
  type OutcomeLabel,
  outcomeFromSpan,
  USAGE_ATTR,
  type Usage,
} from './features.js';
export {
  type ContextHistory,
  type CostPoint,
  type LearningHistory,
  learningHistory,
  type ModelHistory,
  type QualityPoint,
} from './history.js';
export { type ArmSummary, type ContextInsight, type Insights, renderInsights } from './insights.js';
export {
  createQualityPredictor,
  type Prediction,
  type PredictionQuery,
  type QualityPredictor,
} from './predict.js';
export {
  DEFAULT_RULE_THRESHOLDS,
  mineRules,
  type Rule,
  type RuleSet,
  type RuleThresholds,
  ruleText,
} from './rules.js';

export interface LearningInit {
  /** q at or above which an outcome is a success in the arm statistics (default 0.9) */
  successThreshold?: number;
  /** rule mining thresholds (defaults: support >= 0.01, confidence >= 0.6, length <= 3, lift >= 1.2, improvement >= 0.05) */
  rules?: Partial<RuleThresholds>;
  /** mine rules and correlations over at most this many of the latest outcomes (default 20,000) */
  maxTransactions?: number;
  /** sync() re-reads this far behind its cursor, for spans exported late (default 5 minutes) */
  syncLookbackMs?: number;
}

export interface LearningComponents {
  store: Store;
}

export interface IngestResult {
  /** candidate spans with a context and an arm among the spans given */
  candidates: number;
  added: number;
  /** candidates ingested before (ignored: ingesting is idempotent) */
  duplicates: number;
  /** the contexts that received new outcomes */
  contexts: string[];
}

export interface Learning {
  readonly successThreshold: number;
  /** Outcomes of the candidate spans among `spans` into the arm statistics; other spans are ignored. */
  ingest(spans: SpanRecord[]): Promise<IngestResult>;
  /** The spans of one generation, read back from the span store. */
  ingestGeneration(generationId: string): Promise<IngestResult>;
  /** Every candidate span stored since the last sync (idempotent, so overlapping reads are harmless). */
  sync(): Promise<IngestResult>;
  armStats(context: GenerationContext | string): Promise<ArmStats[]>;
  allArmStats(): Promise<ArmStats[]>;
  /** Ingested outcomes, newest first. */
  outcomes(limit?: number): Promise<CandidateOutcome[]>;
  rules(thresholds?: Partial<RuleThresholds>): Promise<RuleSet>;
  /** Predicts a candidate's quality before it runs, from the latest outcomes (rebuilt when they change). */
  predictor(): Promise<QualityPredictor>;
  correlations(): Promise<Correlation[]>;
  insights(options?: { topArms?: number; topRules?: number; topCorrelations?: number }): Promise<Insights>;
}

const CURSOR = 'cursor';

export function createLearning(components: LearningComponents, init: LearningInit = {}): Learning {
  const { store } = components;
  const successThreshold = init.successThreshold ?? HIGH_QUALITY;
  const maxTransactions = init.maxTransactions ?? 20_000;
  const lookback = init.syncLookbackMs ?? 5 * 60_000;
  const table = createArmStatsTable(store, successThreshold);
  const queries = createSpanQueries(store);
  let mined: { version: number; key: string; rules: RuleSet } | undefined;
  let predicting: { version: number; predictor: Promise<QualityPredictor> } | undefined;

  async function ingest(spans: SpanRecord[]): Promise<IngestResult> {
    const outcomes = spans.map(outcomeFromSpan).filter((o): o is CandidateOutcome => !!o);
    const { added, duplicates, version } = await table.add(outcomes);
    follow(added, version);
    return {
      candidates: outcomes.length,
      added: added.length,
      duplicates,
      contexts: [...new Set(added.map((o) => o.contextKey))],
    };
  }

  const toKey = (c: GenerationContext | string) => {
    if (typeof c !== 'string') return contextKey(c);
    if (!parseContextKey(c))
      throw new LearningError(
        { code: LearningErrorCode.BAD_CONTEXT, context: c },
        `not a context key: ${JSON.stringify(c)} (expected e.g. typescript|builtin|xl|e1t1d1m1)`,
      );
    return c;
  };

  // The newest outcomes as rows, shared by rules and correlations (one pass, two aggregates): read
  // from the store once, then kept up to date as outcomes are added.
  let window: { version: number; rows: Promise<OutcomeRows>; ready?: OutcomeRows } | undefined;
  let groups = new RowGroups();
  function rows(): Promise<OutcomeRows> {
    if (window?.version !== table.version) {
      const version = table.version;
      groups = new RowGroups();
      const read = readOutcomeRows(store, maxTransactions, groups);
      const w: NonNullable<typeof window> = { version, rows: read };
      window = w;
      read.then(
        (r) => {
          w.ready = r;
        },
        // a failed read is not kept: the next call reads again
        () => {
          if (window === w) window = undefined;
        },
      );
    }
    return window.rows;
  }
  /** Outcomes just added: in front of the rows when they are the newest and nothing else changed since. */
  function follow(added: CandidateOutcome[], version: number) {
    const w = window;
    if (!w?.ready || added.length === 0 || w.version !== version - added.length) return;
    const next = prependRows(w.ready, added, maxTransactions, groups);
    if (next) window = { version, rows: Promise.resolve(next), ready: next };
  }

  async function rules(thresholds: Partial<RuleThresholds> = {}): Promise<RuleSet> {
    const t = { ...init.rules, ...thresholds };
    const key = JSON.stringify(t);
    if (mined && mined.version === table.version && mined.key === key) return mined.rules;
    const version = table.version;
    const ruleSet = mineRulesOf(await rows(), t);
    mined = { version, key, rules: ruleSet };
    // the latest mining is kept for readers that do not mine (a CLI reading a stopped node's store)
    await store.put('rules', 'latest', {
      minedAt: Date.now(),
      ...ruleSet,
      rules: ruleSet.rules.slice(0, 500),
    });
    return ruleSet;
  }

  let correlated: { version: number; correlations: Correlation[] } | undefined;
  async function correlations(): Promise<Correlation[]> {
    if (correlated?.version === table.version) return correlated.correlations;
    const version = table.version;
    correlated = { version, correlations: correlateOf(await rows()) };
    return correlated.correlations;
  }

  return {
    successThreshold,
    ingest,
    async ingestGeneration(generationId) {
      return ingest(await queries.byGeneration(generationId));
    },
    async sync() {
      const cursor = (await store.get<number>('arms', CURSOR)) ?? 0;
      const total: IngestResult = { candidates: 0, added: 0, duplicates: 0, contexts: [] };
      let latest = cursor;
      // candidate spans by start time, a page at a time (the next read while this one is ingested)
      for await (const spans of spansByTime(store, cursor - lookback, SPAN.candidate)) {
        for (const s of spans) latest = Math.max(latest, s.startTime);
        const r = await ingest(spans);
        total.candidates += r.candidates;
        total.added += r.added;
        total.duplicates += r.duplicates;
        total.contexts = [...new Set([...total.contexts, ...r.contexts])];
      }
      await store.put('arms', CURSOR, latest);
      return total;
    },
    armStats: async (c) => table.forContext(toKey(c)),
    allArmStats: () => table.all(),
    outcomes: (limit) => table.outcomes(limit),
    rules,
    predictor() {
      if (predicting?.version !== table.version) {
        const version = table.version;
        const predictor = table.outcomes(maxTransactions).then((o) => createQualityPredictor(o));
        predicting = { version, predictor };
        // a failed read is not kept: the next generation tries again
        predictor.catch(() => {
          if (predicting?.predictor === predictor) predicting = undefined;
        });
      }
      return predicting.predictor;
    },
    correlations,
    async insights(options = {}) {
      const [stats, ruleSet, corr, promotions, promoted] = await Promise.all([
        table.all(),
        rules(),
        correlations(),
        readPromotions(store),
        readAllPromoted(store),
      ]);
      return buildInsights({
        stats,
        rules: ruleSet,
        correlations: corr,
        promotions,
        promoted,
        successThreshold,
        topArms: options.topArms ?? 3,
        topRules: options.topRules ?? 20,
        topCorrelations: options.topCorrelations ?? 10,
      });
    },
  };
}
