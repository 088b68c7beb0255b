import { createHash } from 'node:crypto';
import { type Context, trace } from '@opentelemetry/api';
import type { GeneratedFile, Language, TemplateRegistry } from '../generation/index.js';
import { contextKey, contextOf } from '../learning/context.js';
import { type Attempt, contextAttributes } from '../learning/features.js';
import { type Feedback, feedbackFromValidation } from '../models/index.js';
import { type Arm, armOf } from '../optimizer/arms.js';
import {
  armAttributes,
  type CandidateArm,
  type CandidateResult,
  decide as decideConsensus,
} from '../orchestra/index.js';
import { type Pack, resolveParams } from '../packs/index.js';
import { correctionArms, diagnose } from '../reasoning/correct.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';
import { validationStatus } from '../validation/index.js';
import { armsFor } from './arms.js';
import { writeOutput } from './output.js';
import type { RunComponents, RunOptions } from './run.js';
import type { CandidateSummary, GenerationRecord, LanguageOutcome } from './types.js';

/**
 * One language of a generation: choose arms (the optimizer), run the candidates (the orchestra),
 * correct while below the threshold (the reasoning loop), pick the winner (consensus) and write it.
 * Every step is a span and every choice a decision record.
 */
export async function runLanguage(
  record: GenerationRecord,
  language: Language,
  model: TemplateRegistry,
  registryHash: string,
  rctx: Context,
  c: RunComponents,
  opts: RunOptions,
  winners: Record<string, GeneratedFile[]>,
  out: string,
): Promise<LanguageOutcome> {
  const req = record.request;
  const context = contextOf(model, language);
  const cattrs = { ...contextAttributes(context), [ATTR.generationId]: record.id, [ATTR.language]: language };
  const outcome: LanguageOutcome = {
    language,
    context: contextKey(context),
    candidates: [],
    agreement: 0,
    reason: '',
  };

  // choose: an explicit pack/params request is one fixed arm; otherwise the optimizer picks k arms
  c.progress(language, 'choose');
  const cspan = c.tracer.startSpan(SPAN.choose, { attributes: cattrs }, rctx);
  let specs: { arm: Arm; pack: Pack }[];
  let arms: Arm[] = [];
  let packs = new Map<string, Pack>();
  let fixed = false;
  try {
    ({ arms, packs } = await armsFor(
      language,
      req.pack,
      c.llmModels(req.models),
      !req.models || req.models.includes('builtin'),
    ));
    if (arms.length === 0)
      throw new Error(
        `no generator for ${language}: the request's models (${req.models?.join(', ')}) are not configured on this node`,
      );
    if (req.params && Object.keys(req.params).length > 0) {
      // params given: one fixed arm of the requested (or default) pack
      const pack = [...packs.values()][0];
      const given = Object.fromEntries(Object.entries(req.params).filter(([k]) => k in pack.manifest.params));
      const arm = armOf(pack, resolveParams(pack.manifest, given));
      specs = [{ arm, pack }];
      fixed = true;
      cspan.setAttributes({
        [ATTR.chosen]: arm.key,
        [ATTR.alternatives]: 0,
        [ATTR.reason]: 'params given by the request',
      });
      await c.decide({
        generationId: record.id,
        step: `choose:${language}`,
        choice: label(arm),
        alternatives: [],
        reason: 'params given by the request',
        evidence: [cspan.spanContext().spanId],
        at: Date.now(),
      });
    } else {
      const k = opts.validate === false ? 1 : opts.candidates;
      const choice = await c.choose(context, arms, Math.min(k, arms.length));
      c.review(context, arms);
      // without validation there is no evidence to pick a winner by: the first choice (the incumbent) alone
      specs = choice.chosen
        .slice(0, opts.validate === false ? 1 : undefined)
        .map((arm) => ({ arm, pack: packs.get(arm.packId)! }));
      cspan.setAttributes({
        [ATTR.chosen]: choice.chosen.map((a) => a.key).join(','),
        [ATTR.alternatives]: arms.length - choice.chosen.length,
        [ATTR.reason]: choice.reason,
      });
      await c.decide({
        generationId: record.id,
        step: `choose:${language}`,
        choice: choice.chosen.map(label).join(' + '),
        alternatives: choice.alternatives,
        reason: choice.reason,
        evidence: [cspan.spanContext().spanId],
        at: Date.now(),
      });
    }
  } finally {
    cspan.end();
  }

  // reasoning loop: generate -> validate -> if the best is below the threshold, correct and retry
  const results: CandidateResult[] = [];
  const tried = new Set<string>();
  const predictor = await c.predictor();
  const predict = (arm: { key: string; model: string }, attempt: Attempt) =>
    predictor.predict({
      contextKey: contextKey(context),
      language,
      sizeBucket: context.sizeBucket,
      arm,
      attempt,
    });
  let round = 0;
  let best = -1;
  while (specs.length > 0) {
    round++;
    c.progress(
      language,
      'candidates',
      `round ${round}: ${specs.length} candidate${specs.length === 1 ? '' : 's'}`,
    );
    const ispan = c.tracer.startSpan(
      SPAN.reasoning,
      { attributes: { ...cattrs, 'weavergen.reasoning.round': round } },
      rctx,
    );
    const run = await c.orchestra.run(specs, {
      language,
      model,
      parent: trace.setSpan(rctx, ispan),
      attributes: cattrs,
      registryHash,
      predict,
      signal: opts.signal,
      validate: opts.validate !== false,
    });
    for (const r of run.results) {
      tried.add(r.arm.key);
      results.push({ ...r, index: results.length });
    }
    const roundBest = results.slice(-run.results.length).reduce((m, r) => Math.max(m, r.q), 0);
    const improved = roundBest > best + 0.001;
    best = Math.max(best, roundBest);
    const top = results.reduce((a, r) => (r.q > a.q ? r : a), results[0]);
    let stop = '';
    if (best >= opts.threshold) stop = `best q=${best.toFixed(3)} reached the threshold ${opts.threshold}`;
    else if (round > 1 && !improved) stop = `round ${round} did not improve on q=${best.toFixed(3)}`;
    else if (round >= opts.maxRounds) stop = `round limit ${opts.maxRounds} reached at q=${best.toFixed(3)}`;
    else if (fixed) stop = `params fixed by the request; q=${best.toFixed(3)} stays below ${opts.threshold}`;
    else if (opts.validate === false)
      stop = 'not validated (the request said so): no evidence to correct from, the first answer stands';
    else if (opts.signal?.aborted) stop = 'cancelled';
    let next: { arms: Arm[]; reason: string; feedback?: Feedback } = { arms: [], reason: stop };
    if (!stop && top.arm.model !== 'builtin') {
      // a model generator corrects itself: the same arm again, told what was wrong with its answer
      const feedback: Feedback = top.validation
        ? feedbackFromValidation(top.validation, { files: top.files, model: top.arm.model }, round)
        : { round, summary: top.error ?? 'the previous answer could not be used', diagnostics: [] };
      const topArm = arms.find((a) => a.key === top.arm.key);
      next = topArm
        ? {
            arms: [topArm],
            reason: `${diagnose(top.validation, top.error).summary} -> ask ${top.arm.model} again with the diagnostics`,
            feedback,
          }
        : { arms: [], reason: 'the model arm is gone' };
      if (next.arms.length === 0) stop = next.reason;
    } else if (!stop) {
      const diagnosis = diagnose(top.validation, top.error);
      const topArm = arms.find((a) => a.key === top.arm.key) ?? arms[0];
      next = correctionArms(
        topArm,
        diagnosis,
        tried,
        arms,
        Math.max(1, opts.candidates),
        (a) => predict(a, 'first').q,
      );
      if (next.arms.length === 0) stop = next.reason;
    }
    ispan.setAttributes({
      [ATTR.quality]: roundBest,
      'weavergen.reasoning.best': best,
      'weavergen.reasoning.stop': stop,
      [ATTR.reason]: stop || next.reason,
    });
    ispan.end();
    await c.decide({
      generationId: record.id,
      step: `reasoning:${language}:round${round}`,
      choice: stop ? 'stop' : next.arms.map(label).join(' + '),
      alternatives: [],
      reason: stop || next.reason,
      evidence: [ispan.spanContext().spanId, ...results.slice(-run.results.length).map((r) => r.spanId)],
      at: Date.now(),
    });
    if (stop) break;
    specs = next.arms.map((arm) => ({ arm, pack: packs.get(arm.packId)!, feedback: next.feedback }));
  }
  const consensus = decideConsensus(
    results
      .filter((r) => !r.error)
      .map((r) => ({ index: r.index, q: r.q, emitted: r.validation?.symbols.foundKeys ?? [] })),
  );
  outcome.candidates = results.map((r) => ({
    ...summarize(r),
    attempt: r.attempt,
    ...(r.predicted ? { predicted: r.predicted.q, predictedFrom: r.predicted.n } : {}),
  }));
  outcome.rounds = round;

  // consensus
  const kspan = c.tracer.startSpan(SPAN.consensus, { attributes: cattrs }, rctx);
  const winner = results.find((r) => r.index === consensus.winner);
  kspan.setAttributes({
    [ATTR.winner]: winner?.arm.key ?? '',
    'weavergen.consensus.agreement': consensus.agreement,
    [ATTR.reason]: consensus.reason,
    ...(winner ? armAttributes(winner.arm) : {}),
  });
  kspan.end();
  outcome.agreement = consensus.agreement;
  outcome.reason = consensus.reason;
  await c.decide({
    generationId: record.id,
    step: `consensus:${language}`,
    choice: winner ? label(winner.arm) : 'none',
    alternatives: results.filter((r) => r !== winner).map((r) => `${label(r.arm)} q=${r.q.toFixed(3)}`),
    reason: consensus.reason,
    evidence: [kspan.spanContext().spanId, ...results.map((r) => r.spanId)],
    at: Date.now(),
  });
  if (!winner?.validation) {
    outcome.reason =
      results
        .map((r) => r.error)
        .filter(Boolean)
        .join('; ') || consensus.reason;
    return outcome;
  }
  outcome.winner = {
    ...summarize(winner),
    components: winner.validation.quality.components,
    files: winner.files.map((f) => ({
      path: f.path,
      bytes: Buffer.byteLength(f.content),
      sha256: createHash('sha256').update(f.content).digest('hex'),
    })),
    symbols: { expected: winner.validation.symbols.expected, found: winner.validation.symbols.found },
    validation: {
      status: winner.validation.toolchain.status,
      summary: validationStatus(winner.validation.toolchain),
      errors: winner.validation.toolchain.errors,
      warnings: winner.validation.toolchain.warnings,
      diagnostics: winner.validation.toolchain.diagnostics.slice(0, 20),
    },
  };

  // output
  winners[language] = winner.files;
  c.progress(language, 'write');
  outcome.outDir = await writeOutput(c.tracer, language, winner.files, out, rctx, cattrs);
  c.progress(language, 'done', `q=${winner.q.toFixed(3)}`);
  return outcome;
}

function summarize(r: CandidateResult): CandidateSummary {
  return {
    arm: { key: r.arm.key, packName: r.arm.packName, params: r.arm.params, model: r.arm.model },
    q: r.q,
    status: r.error ? 'error' : (r.validation?.toolchain.status ?? 'unknown'),
    summary: r.error ?? (r.validation ? validationStatus(r.validation.toolchain) : ''),
    cached: r.cached,
    spanId: r.spanId,
    ...(r.error ? { error: r.error } : {}),
  };
}

const label = (a: CandidateArm) =>
  `${a.packName}${
    Object.keys(a.params).length
      ? ` {${Object.entries(a.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}}`
      : ''
  } @${a.model}`;
