import type { CandidateOutcome } from './features.js';

/** the built-in template engine's model name (node/optimizer BUILTIN_MODEL; learning sits below it) */
const BUILTIN = 'builtin';

/** One generation's delivered quality in a context: the best candidate's q. */
export interface QualityPoint {
  at: number;
  generationId: string;
  q: number;
  candidates: number;
}

export interface ContextHistory {
  contextKey: string;
  points: QualityPoint[];
}

/** What one model's candidates of one generation spent. */
export interface CostPoint {
  at: number;
  generationId: string;
  candidates: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

export interface ModelHistory {
  model: string;
  points: CostPoint[];
}

/** Learning over time, for people: quality per context, and cost and tokens per model arm. */
export interface LearningHistory {
  /** outcomes read (the newest ones) */
  outcomes: number;
  contexts: ContextHistory[];
  models: ModelHistory[];
}

/**
 * Groups outcomes by generation: per context the best q (what the generation delivered there), per
 * model what its candidates spent. Outcomes without a generation id stand alone. Oldest first.
 */
export function learningHistory(outcomes: CandidateOutcome[]): LearningHistory {
  const quality = new Map<string, Map<string, QualityPoint>>();
  const cost = new Map<string, Map<string, CostPoint>>();
  for (const o of outcomes) {
    const gen = o.generationId ?? `span:${o.spanId}`;
    const byGen = quality.get(o.contextKey) ?? new Map<string, QualityPoint>();
    quality.set(o.contextKey, byGen);
    const p = byGen.get(gen);
    if (!p) byGen.set(gen, { at: o.at, generationId: gen, q: o.q, candidates: 1 });
    else {
      p.at = Math.max(p.at, o.at);
      p.q = Math.max(p.q, o.q);
      p.candidates++;
    }
    if (o.arm.model === BUILTIN || !o.usage) continue;
    const byModel = cost.get(o.arm.model) ?? new Map<string, CostPoint>();
    cost.set(o.arm.model, byModel);
    const c = byModel.get(gen) ?? {
      at: o.at,
      generationId: gen,
      candidates: 0,
      costUsd: 0,
      inputTokens: 0,
      outputTokens: 0,
    };
    c.at = Math.max(c.at, o.at);
    c.candidates++;
    c.costUsd += o.usage.costUsd;
    c.inputTokens += o.usage.inputTokens;
    c.outputTokens += o.usage.outputTokens;
    byModel.set(gen, c);
  }
  const sorted = <T extends { at: number }>(m: Map<string, T>) => [...m.values()].sort((a, b) => a.at - b.at);
  return {
    outcomes: outcomes.length,
    contexts: [...quality]
      .map(([contextKey, m]) => ({ contextKey, points: sorted(m) }))
      .sort((a, b) => b.points.length - a.points.length || a.contextKey.localeCompare(b.contextKey)),
    models: [...cost]
      .map(([model, m]) => ({ model, points: sorted(m) }))
      .sort((a, b) => a.model.localeCompare(b.model)),
  };
}
