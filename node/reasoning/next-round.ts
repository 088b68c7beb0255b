import { type Feedback, feedbackFromValidation } from '../models/index.js';
import type { Arm } from '../optimizer/arms.js';
import type { CandidateResult } from '../orchestra/index.js';
import type { Pack } from '../packs/index.js';
import { correctionArms, diagnose } from './correct.js';
import { compareVerdicts, type Verdict, verdictOf } from './verdict.js';

/** A candidate to run: an arm, its pack, and for a model's next answer what was wrong with its last. */
export interface LoopSpec {
  arm: Arm;
  pack: Pack;
  feedback?: Feedback;
}

export interface RoundState {
  round: number;
  maxRounds: number;
  threshold: number;
  /** false: the request skipped validation, so there is nothing to correct from */
  validate: boolean;
  aborted: boolean;
  /** the request fixed the params: the built-in generator's variants are not explored */
  fixedParams: boolean;
  /** every candidate so far, and this round's */
  results: CandidateResult[];
  roundResults: CandidateResult[];
  /** the best verdict before this round (undefined in round 1) */
  bestBefore?: Verdict;
  arms: Arm[];
  packs: Map<string, Pack>;
  tried: Set<string>;
  candidates: number;
  /** predicted first-answer quality of an arm, to rank untried variants */
  predictFirst(arm: Arm): number;
}

export interface RoundPlan {
  /** why the loop stops; empty when it goes on */
  stop: string;
  next: LoopSpec[];
  reason: string;
  best: Verdict;
}

const label = (a: Pick<Arm, 'packName' | 'params' | 'model'>) =>
  `${a.packName} ${JSON.stringify(a.params)} @${a.model}`;

/**
 * What to do after a round, from the evidence: stop on an acceptable candidate; never stop on one
 * with correctness defects while a round is left and a correction can be tried; stop when a round
 * did not improve (fewer defects, or a higher q), at the round limit, or when nothing untried could
 * help. A model that answered is asked again with its own diagnostics (its chunks' own problems and
 * files); the built-in generator tries untried variants that change the params the defects point at.
 */
export function planNextRound(s: RoundState): RoundPlan {
  const scored = s.results.map((r) => ({ r, v: verdictOf(r, s.threshold) }));
  const top = scored.reduce((a, b) => (compareVerdicts(b.v, a.v) < 0 ? b : a));
  const best = top.v;
  const stopWith = (stop: string): RoundPlan => ({ stop, next: [], reason: stop, best });
  if (best.acceptable) return stopWith(`accepted ${label(top.r.arm)}: ${best.why}`);
  if (!s.validate)
    return stopWith(
      'not validated (the request said so): no evidence to correct from, the first answer stands',
    );
  if (s.aborted) return stopWith('cancelled');
  if (s.round >= s.maxRounds) return stopWith(`round limit ${s.maxRounds} reached; the best ${best.why}`);
  // a round that neither improved the best nor fixed anything a corrected candidate was told about
  // ends the loop; one that fixed named defects (even while making a new one) earns another round
  if (
    s.bestBefore &&
    compareVerdicts(best, s.bestBefore) >= 0 &&
    !s.roundResults.some((r) => fixedSome(s.results, r))
  )
    return stopWith(
      `round ${s.round} did not improve on the best so far (${s.bestBefore.why}) and fixed nothing it was told`,
    );

  const next: LoopSpec[] = [];
  const why: string[] = [];
  // each model that answered below the bar is asked again, told what was wrong with its own answer
  for (const r of s.roundResults.filter((x) => x.arm.model !== 'builtin')) {
    const v = verdictOf(r, s.threshold);
    const arm = s.arms.find((a) => a.key === r.arm.key);
    if (v.acceptable || !arm) continue;
    next.push({ arm, pack: s.packs.get(arm.packId)!, feedback: feedbackFor(r, s.round) });
    why.push(`${diagnose(r.validation, r.error).summary} -> ask ${r.arm.model} again with the diagnostics`);
  }
  // the built-in generator: untried variants that change what the best built-in candidate got wrong
  const builtin = scored.filter((x) => x.r.arm.model === 'builtin');
  const topBuiltin = builtin.reduce<(typeof scored)[number] | undefined>(
    (a, b) => (!a || compareVerdicts(b.v, a.v) < 0 ? b : a),
    undefined,
  );
  if (topBuiltin && !topBuiltin.v.acceptable && !s.fixedParams && (top === topBuiltin || next.length === 0)) {
    const arm = s.arms.find((a) => a.key === topBuiltin.r.arm.key);
    if (arm) {
      const variants = correctionArms(
        arm,
        diagnose(topBuiltin.r.validation, topBuiltin.r.error),
        s.tried,
        s.arms.filter((a) => a.model === 'builtin'),
        Math.max(1, s.candidates),
        s.predictFirst,
        (a, p) => s.packs.get(a.packId)?.manifest.params[p]?.description ?? '',
      );
      next.push(...variants.arms.map((a) => ({ arm: a, pack: s.packs.get(a.packId)! })));
      why.push(variants.reason);
    }
  }
  if (next.length === 0)
    return stopWith(
      `${why.join('; ') || `the best ${best.why}`}${s.fixedParams ? ' (params fixed by the request)' : ''}; nothing left to try`,
    );
  return { stop: '', next, reason: why.join('; '), best };
}

/** What a model is told about its answer: its diagnostics, defects and its own previous files, chunk by chunk. */
export function feedbackFor(r: CandidateResult, round: number): Feedback {
  if (!r.validation)
    return { round, summary: r.error ?? 'the previous answer could not be used', diagnostics: [] };
  return feedbackFromValidation(
    r.validation,
    { files: r.files, model: r.arm.model, ...(r.chunks ? { chunks: r.chunks } : {}) },
    round,
  );
}

/** The correctness defects of a candidate as `kind:item`, and whether it compiled. */
function defectsOf(r: CandidateResult): { compiled: boolean; keys: Set<string> } {
  const v = r.validation;
  return {
    compiled: v?.toolchain.status === 'passed',
    keys: new Set(
      (v?.symbols.defects ?? []).filter((d) => d.kind !== 'undocumented').map((d) => `${d.kind}:${d.item}`),
    ),
  };
}

/** Did a corrected candidate fix something its arm's previous answer had: a defect gone, or compiling again? */
function fixedSome(results: CandidateResult[], r: CandidateResult): boolean {
  if (r.attempt !== 'correction') return false;
  const before = results.filter((x) => x.arm.key === r.arm.key && x.index < r.index).at(-1);
  if (!before?.validation || !r.validation) return false;
  const was = defectsOf(before);
  const now = defectsOf(r);
  if (!was.compiled && now.compiled) return true;
  return [...was.keys].some((k) => !now.keys.has(k));
}
