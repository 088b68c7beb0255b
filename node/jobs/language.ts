import { createHash } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import type { GeneratedFile, Language, TemplateRegistry } from '../generation/index.js';
import { contextKey, contextOf, type GenerationContext } from '../learning/context.js';
import { type Attempt, contextAttributes } from '../learning/features.js';
import type { Arm } from '../optimizer/arms.js';
import { armAttributes, type CandidateResult, decide as decideConsensus } from '../orchestra/index.js';
import { type Pack, resolveParams } from '../packs/index.js';
import { label, runReasoningLoop } from '../reasoning/loop.js';
import type { LoopSpec } from '../reasoning/next-round.js';
import { verdictOf } from '../reasoning/verdict.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';
import { validationStatus } from '../validation/index.js';
import { armsFor } from './arms.js';
import { writeOutput } from './output.js';
import type { RunComponents, RunOptions } from './run.js';
import type { CandidateSummary, DecisionRecord, GenerationRecord, LanguageOutcome } from './types.js';

/**
 * One language of a generation: choose arms (the optimizer), run them through the reasoning loop
 * (node/reasoning: generate, validate, correct), pick the winner (consensus) and write it. Every step
 * is a span and every choice a decision record.
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
  const decide = (d: Pick<DecisionRecord, 'step' | 'choice' | 'alternatives' | 'reason' | 'evidence'>) =>
    c.decide({ ...d, generationId: record.id, at: Date.now() });

  c.progress(language, 'choose');
  const { arms, packs } = await armsFor(
    language,
    req.pack,
    c.llmModels(req.models),
    !req.models || req.models.includes('builtin'),
    (await c.installedPacks?.()) ?? [],
  );
  if (arms.length === 0)
    throw new Error(
      `no generator for ${language}: the request's models (${req.models?.join(', ')}) are not configured on this node`,
    );
  const fixedParams = !!req.params && Object.keys(req.params).length > 0;
  const first = await chooseFirst(record, language, context, arms, packs, cattrs, rctx, c, opts, decide);

  const predictor = await c.predictor();
  const predict = (arm: { key: string; model: string }, attempt: Attempt) =>
    predictor.predict({
      contextKey: contextKey(context),
      language,
      sizeBucket: context.sizeBucket,
      arm,
      attempt,
    });
  const { results, rounds } = await runReasoningLoop(
    first,
    {
      tracer: c.tracer,
      run: async (specs, parent) =>
        (
          await c.orchestra.run(specs, {
            language,
            model,
            parent,
            attributes: cattrs,
            registryHash,
            predict,
            signal: opts.signal,
            validate: opts.validate !== false,
          })
        ).results,
      decide,
      progress: (detail) => c.progress(language, 'candidates', detail),
    },
    {
      language,
      parent: rctx,
      attributes: cattrs,
      threshold: opts.threshold,
      maxRounds: opts.maxRounds,
      candidates: opts.candidates,
      validate: opts.validate !== false,
      fixedParams,
      arms,
      packs,
      predictFirst: (a) => predict(a, 'first').q,
      signal: opts.signal,
    },
  );
  outcome.candidates = results.map((r) => ({
    ...summarize(r),
    attempt: r.attempt,
    ...(r.predicted ? { predicted: r.predicted.q, predictedFrom: r.predicted.n } : {}),
  }));
  outcome.rounds = rounds;

  // consensus: correct candidates first, then quality, then agreement
  const consensus = decideConsensus(
    results
      .filter((r) => !r.error)
      .map((r) => {
        const v = verdictOf(r, opts.threshold);
        return {
          index: r.index,
          q: r.q,
          emitted: r.validation?.symbols.foundKeys ?? [],
          acceptable: v.acceptable,
          compiled: v.compiled,
          defects: v.defects,
        };
      }),
  );
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
  await decide({
    step: `consensus:${language}`,
    choice: winner ? label(winner.arm) : 'none',
    alternatives: results.filter((r) => r !== winner).map((r) => `${label(r.arm)} q=${r.q.toFixed(3)}`),
    reason: consensus.reason,
    evidence: [kspan.spanContext().spanId, ...results.map((r) => r.spanId)],
  });
  if (!winner?.validation) {
    outcome.reason =
      results
        .map((r) => r.error)
        .filter(Boolean)
        .join('; ') || consensus.reason;
    return outcome;
  }
  // plugins' post-processors (a license header...) see the winner's files before anything is written
  let files = winner.files;
  if (c.postProcess)
    try {
      files = await c.postProcess(language, winner.files);
    } catch (e) {
      outcome.reason = `${label(winner.arm)} won but was not written: ${(e as Error).message ?? String(e)}`;
      return outcome;
    }
  outcome.winner = {
    ...summarize(winner),
    components: winner.validation.quality.components,
    files: files.map((f) => ({
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

  winners[language] = files;
  c.progress(language, 'write');
  outcome.outDir = await writeOutput(c.tracer, language, files, out, rctx, cattrs, opts.outputs);
  c.progress(language, 'done', `q=${winner.q.toFixed(3)}`);
  return outcome;
}

/**
 * The first round's candidates. Params given by the request fix one arm per generator: the template
 * pack with those params for the built-in generator, and each configured model with its prompt
 * pack's variant for them. Otherwise the optimizer chooses (the incumbent and challengers, and
 * each model's best prompt variant); without validation only the first choice runs.
 */
async function chooseFirst(
  record: GenerationRecord,
  language: Language,
  context: GenerationContext,
  arms: Arm[],
  packs: Map<string, Pack>,
  cattrs: Record<string, string | number | boolean>,
  rctx: Context,
  c: RunComponents,
  opts: RunOptions,
  decide: (
    d: Pick<DecisionRecord, 'step' | 'choice' | 'alternatives' | 'reason' | 'evidence'>,
  ) => Promise<void>,
): Promise<LoopSpec[]> {
  const req = record.request;
  const span = c.tracer.startSpan(SPAN.choose, { attributes: cattrs }, rctx);
  try {
    let chosen: Arm[];
    let reason: string;
    let alternatives: string[] = [];
    if (req.params && Object.keys(req.params).length > 0) {
      chosen = fixedArms(arms, packs, req.params);
      reason = 'params given by the request: one arm per generator';
    } else {
      const k = opts.validate === false ? 1 : opts.candidates;
      const choice = await c.choose(context, arms, Math.min(k, arms.length));
      c.review(context, arms);
      // without validation there is no evidence to pick a winner by: the first choice (the incumbent) alone
      chosen = choice.chosen.slice(0, opts.validate === false ? 1 : undefined);
      reason = choice.reason;
      alternatives = choice.alternatives;
    }
    span.setAttributes({
      [ATTR.chosen]: chosen.map((a) => a.key).join(','),
      [ATTR.alternatives]: arms.length - chosen.length,
      [ATTR.reason]: reason,
    });
    await decide({
      step: `choose:${language}`,
      choice: chosen.map(label).join(' + '),
      alternatives,
      reason,
      evidence: [span.spanContext().spanId],
    });
    return chosen.map((arm) => ({ arm, pack: packs.get(arm.packId)! }));
  } finally {
    span.end();
  }
}

/** For each (pack, generator): the arm whose params are the pack's defaults with the given ones applied. */
function fixedArms(arms: Arm[], packs: Map<string, Pack>, params: Record<string, string>): Arm[] {
  const out = new Map<string, Arm>();
  for (const arm of arms) {
    const pack = packs.get(arm.packId)!;
    const given = Object.fromEntries(
      Object.entries(params).filter(([k]) => Object.hasOwn(pack.manifest.params, k)),
    );
    const wanted = resolveParams(pack.manifest, given);
    const group = `${arm.packId}:${arm.model}`;
    if (!out.has(group) && Object.entries(wanted).every(([k, v]) => arm.params[k] === v)) out.set(group, arm);
  }
  return [...out.values()];
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
