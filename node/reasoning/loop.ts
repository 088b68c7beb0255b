import { type Context, type Tracer, trace } from '@opentelemetry/api';
import type { DecisionRecord } from '../jobs/types.js';
import type { Arm } from '../optimizer/arms.js';
import type { CandidateResult } from '../orchestra/index.js';
import type { Pack } from '../packs/index.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';
import { type LoopSpec, planNextRound } from './next-round.js';
import type { Verdict } from './verdict.js';

export interface LoopComponents {
  tracer: Tracer;
  /** runs one round's candidates under `parent` (the orchestra) */
  run(specs: LoopSpec[], parent: Context): Promise<CandidateResult[]>;
  /** records a decision of this generation (step, choice, reason, evidence) */
  decide(d: Pick<DecisionRecord, 'step' | 'choice' | 'alternatives' | 'reason' | 'evidence'>): Promise<void>;
  progress(detail: string): void;
}

export interface LoopInit {
  language: string;
  parent: Context;
  /** context attributes copied onto each round's span */
  attributes: Record<string, string | number | boolean>;
  threshold: number;
  maxRounds: number;
  candidates: number;
  validate: boolean;
  fixedParams: boolean;
  arms: Arm[];
  packs: Map<string, Pack>;
  predictFirst(arm: Arm): number;
  signal?: AbortSignal;
}

/**
 * The reasoning loop: generate -> validate -> decide (node/reasoning/next-round.ts) -> correct, one
 * `weavergen.reasoning.iteration` span and one decision per round. Returns every candidate, in order.
 */
export async function runReasoningLoop(
  first: LoopSpec[],
  c: LoopComponents,
  init: LoopInit,
): Promise<{ results: CandidateResult[]; rounds: number }> {
  const results: CandidateResult[] = [];
  const tried = new Set<string>();
  let specs = first;
  let round = 0;
  let bestBefore: Verdict | undefined;
  while (specs.length > 0) {
    round++;
    c.progress(`round ${round}: ${specs.length} candidate${specs.length === 1 ? '' : 's'}`);
    const span = c.tracer.startSpan(
      SPAN.reasoning,
      { attributes: { ...init.attributes, 'weavergen.reasoning.round': round } },
      init.parent,
    );
    const ran = await c.run(specs, trace.setSpan(init.parent, span));
    const roundResults = ran.map((r, i) => ({ ...r, index: results.length + i }));
    results.push(...roundResults);
    for (const r of roundResults) tried.add(r.arm.key);
    const plan = planNextRound({
      round,
      maxRounds: init.maxRounds,
      threshold: init.threshold,
      validate: init.validate,
      aborted: !!init.signal?.aborted,
      fixedParams: init.fixedParams,
      results,
      roundResults,
      bestBefore,
      arms: init.arms,
      packs: init.packs,
      tried,
      candidates: init.candidates,
      predictFirst: init.predictFirst,
    });
    bestBefore = plan.best;
    span.setAttributes({
      [ATTR.quality]: roundResults.reduce((m, r) => Math.max(m, r.q), 0),
      'weavergen.reasoning.best': plan.best.q,
      'weavergen.reasoning.best.defects': plan.best.defects,
      'weavergen.reasoning.stop': plan.stop,
      [ATTR.reason]: plan.reason,
    });
    span.end();
    await c.decide({
      step: `reasoning:${init.language}:round${round}`,
      choice: plan.stop ? 'stop' : plan.next.map((s) => label(s.arm)).join(' + '),
      alternatives: [],
      reason: plan.reason,
      evidence: [span.spanContext().spanId, ...roundResults.map((r) => r.spanId)],
    });
    specs = plan.next;
  }
  return { results, rounds: round };
}

export const label = (a: Pick<Arm, 'packName' | 'params' | 'model'>) =>
  `${a.packName}${
    Object.keys(a.params).length
      ? ` {${Object.entries(a.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}}`
      : ''
  } @${a.model}`;
