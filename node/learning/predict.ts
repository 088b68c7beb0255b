import type { Language } from '../generation/index.js';
import type { SizeBucket } from './context.js';
import type { Attempt, CandidateOutcome } from './features.js';

/** What is known of a candidate before it runs. */
export interface PredictionQuery {
  contextKey: string;
  language: Language | string;
  sizeBucket: SizeBucket;
  arm: { key: string; model: string };
  attempt: Attempt;
}

export interface Prediction {
  /** expected quality in [0, 1] */
  q: number;
  /** outcomes at the most specific level that had any (0: the prior alone) */
  n: number;
  /** that level, for people: `arm in context, first answers` */
  basis: string;
}

export interface QualityPredictor {
  predict(query: PredictionQuery): Prediction;
  /** outcomes it learned from */
  readonly size: number;
}

export interface QualityPredictorInit {
  /**
   * pseudo-outcomes a level's parent estimate counts for (default 2): more means slower to trust
   * few outcomes. Chosen with the estimator below on the reasoning bench's FIT set only
   * (bench/sim/report.ts printTuning; run of 2026-12-06: median at 2 was within 0.1 on 80% of 146 fit
   * candidates, mean |error| 0.143, against 69% and 0.161 for the mean at 0.2, the best mean).
   */
  strength?: number;
  /** the estimate with no evidence anywhere (default 0.5) */
  prior?: number;
  /**
   * how a level sums up its outcomes (default 'median', chosen as above): 'median' is the weighted median of the
   * outcomes and the parent estimate (weighted `strength`), robust where quality is bimodal
   * (compiles or not) and what absolute error rewards
   */
  estimator?: 'mean' | 'median';
}

interface Cell {
  n: number;
  sumQ: number;
  values: number[];
}

type Level = { basis: string; key: (q: PredictionQuery) => string };
const LEVEL = {
  kind: {
    basis: 'all generators of this kind',
    key: (q) => `g|${q.arm.model === 'builtin' ? 'builtin' : 'model'}`,
  },
  language: { basis: 'this generator in the language', key: (q) => `m|${q.language}|${q.arm.model}` },
  size: {
    basis: 'this generator on registries of this size',
    key: (q) => `ms|${q.language}|${q.arm.model}|${q.sizeBucket}`,
  },
  context: { basis: 'this generator in this context', key: (q) => `mc|${q.contextKey}|${q.arm.model}` },
  arm: { basis: 'this arm in any context', key: (q) => `a|${q.arm.key}` },
  armSize: { basis: 'this arm on registries of this size', key: (q) => `s|${q.arm.key}|${q.sizeBucket}` },
  armContext: { basis: 'this arm in this context', key: (q) => `c|${q.contextKey}|${q.arm.key}` },
} satisfies Record<string, Level>;

/**
 * Levels from the broadest to the most specific. A template arm's output is fixed by its pack and
 * params, so what it did in other contexts says most; a model's quality depends on the model and on
 * the registry (its size above all) far more than on the prompt variant, so the model's record in
 * the context comes before the arm's. A model's answer to feedback is its own kind of attempt: it is
 * not the same arm's first answer (mixing both predicted neither), so every level keeps them apart.
 */
const BUILTIN_LEVELS: Level[] = [LEVEL.kind, LEVEL.language, LEVEL.arm, LEVEL.armSize, LEVEL.armContext];
const MODEL_LEVELS: Level[] = [LEVEL.kind, LEVEL.language, LEVEL.size, LEVEL.context, LEVEL.armContext];
const levelsOf = (q: PredictionQuery) => (q.arm.model === 'builtin' ? BUILTIN_LEVELS : MODEL_LEVELS);
const ALL_LEVELS = Object.values(LEVEL);

const cellKey = (level: string, attempt: Attempt) => `${level}|${attempt}`;

/**
 * Hierarchical shrinkage over the learned outcomes: each level's estimate (the weighted median of its
 * outcomes) is pulled towards its parent's estimate, which counts for `strength` pseudo-outcomes, so an arm seen twice in a context leans on how it did
 * elsewhere, and an arm never seen gets its generator's record in the language.
 */
export function createQualityPredictor(
  outcomes: readonly CandidateOutcome[],
  init: QualityPredictorInit = {},
): QualityPredictor {
  const strength = init.strength ?? 2;
  const prior = init.prior ?? 0.5;
  const estimator = init.estimator ?? 'median';
  const cells = new Map<string, Cell>();
  const attempts = attemptsOf(outcomes);
  for (const o of outcomes) {
    const query: PredictionQuery = {
      contextKey: o.contextKey,
      language: o.context.language,
      sizeBucket: o.context.sizeBucket,
      arm: o.arm,
      attempt: attempts.get(o) ?? 'first',
    };
    for (const level of ALL_LEVELS) {
      const key = cellKey(level.key(query), query.attempt);
      const c = cells.get(key) ?? { n: 0, sumQ: 0, values: [] };
      c.n++;
      c.sumQ += o.q;
      if (estimator === 'median') c.values.push(o.q);
      cells.set(key, c);
    }
  }
  return {
    size: outcomes.length,
    predict(query) {
      let q = prior;
      let n = 0;
      let basis = 'no evidence yet (prior)';
      for (const level of levelsOf(query)) {
        const c = cells.get(cellKey(level.key(query), query.attempt));
        if (!c) continue;
        q =
          estimator === 'median'
            ? weightedMedian(c.values, q, strength)
            : (c.sumQ + strength * q) / (c.n + strength);
        n = c.n;
        basis = `${level.basis}, ${query.attempt === 'first' ? 'first answers' : 'answers to feedback'}`;
      }
      return { q: Math.min(1, Math.max(0, q)), n, basis };
    },
  };
}

/**
 * Each outcome's attempt. Spans recorded before attempts were labelled carry none: there a model
 * arm's later outcome in the same generation was its answer to feedback (the loop asks the same arm
 * again), and every builtin outcome was a first answer of its arm.
 */
function attemptsOf(outcomes: readonly CandidateOutcome[]): Map<CandidateOutcome, Attempt> {
  const out = new Map<CandidateOutcome, Attempt>();
  const unlabelled: CandidateOutcome[] = [];
  for (const o of outcomes) {
    if (o.attempt) out.set(o, o.attempt);
    else if (o.arm.model === 'builtin' || !o.generationId) out.set(o, 'first');
    else unlabelled.push(o);
  }
  const seen = new Set<string>();
  for (const o of [...unlabelled].sort((a, b) => a.at - b.at)) {
    const key = `${o.generationId}|${o.arm.key}`;
    out.set(o, seen.has(key) ? 'correction' : 'first');
    seen.add(key);
  }
  return out;
}

/** The median of `values` (weight 1 each) together with `parent` weighted `w`. */
function weightedMedian(values: number[], parent: number, w: number): number {
  const items = [...values.map((v) => ({ v, w: 1 })), { v: parent, w }].sort((a, b) => a.v - b.v);
  const half = (values.length + w) / 2;
  let acc = 0;
  for (const it of items) {
    acc += it.w;
    if (acc >= half) return it.v;
  }
  return parent;
}
