import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Context, ROOT_CONTEXT, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { canonicalJson } from '../../marketplace/pack-id.js';
import {
  type GeneratedFile,
  type Language,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../generation/index.js';
import { contextKey, contextOf, type GenerationContext } from '../learning/context.js';
import { type Attempt, contextAttributes } from '../learning/features.js';
import type { QualityPredictor } from '../learning/predict.js';
import { type Feedback, feedbackFromValidation, promptPacks } from '../models/index.js';
import { type Arm, armOf, enumerateArms, packIdOf } from '../optimizer/arms.js';
import {
  armAttributes,
  type CandidateArm,
  type CandidateResult,
  decide as decideConsensus,
  type Orchestra,
} from '../orchestra/index.js';
import { builtinPacks, findPack, type Pack, resolveParams } from '../packs/index.js';
import { correctionArms, diagnose } from '../reasoning/correct.js';
import { loadRegistry, registryContentHash } from '../semconv/index.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';
import { validationStatus } from '../validation/index.js';
import type {
  CandidateSummary,
  DecisionRecord,
  GenerationRecord,
  GenerationRequest,
  LanguageOutcome,
} from './types.js';

/** What a run needs from the node: the tracer, the orchestra, and the optimizer's choice. */
export interface RunComponents {
  tracer: Tracer;
  orchestra: Orchestra;
  /** picks k arms among `arms` for the context; returns them with the reason (the optimizer) */
  choose(
    context: GenerationContext,
    arms: Arm[],
    k: number,
  ): Promise<{ chosen: Arm[]; reason: string; alternatives: string[] }>;
  decide(d: DecisionRecord): Promise<void>;
  /** asks for a promotion review of this context's arms once the generation's evidence is in */
  review(context: GenerationContext, arms: Arm[]): void;
  /** the configured model generators' ids (e.g. `openai:gpt-4o-mini`), narrowed to `only` when a request names models */
  llmModels(only?: string[]): string[];
  /** predicts a candidate's quality before it runs, from the learned outcomes */
  predictor(): Promise<QualityPredictor>;
  /** optional request cache: an unchanged request skips resolve, render and validation */
  requests?: RequestCache;
  progress(language: string, phase: string, detail?: string): void;
}

export interface RunOptions {
  candidates: number;
  /** the reasoning loop retries while the best quality is below this */
  threshold: number;
  maxRounds: number;
  signal?: AbortSignal;
}

/** Every variant of every built-in pack of the language: the arms the optimizer chooses among. */
export async function armsFor(
  language: Language,
  packName?: string,
  llmModels: string[] = [],
  builtin = true,
): Promise<{ arms: Arm[]; packs: Map<string, Pack> }> {
  // a named pack (built-in name or folder) narrows the arms to its variants, if it is of this language
  const named = packName ? await findPack(language, packName) : undefined;
  const templates = !builtin
    ? []
    : named && named.manifest.language === language
      ? [named]
      : (await builtinPacks()).filter((p) => p.manifest.language === language);
  // each configured model generator gets the language's prompt packs, in all their variants
  const prompts = llmModels.length
    ? (await promptPacks()).filter((p) => p.manifest.language === language)
    : [];
  const arms = [
    ...enumerateArms(templates, { language }),
    ...enumerateArms(prompts, { language, models: llmModels }),
  ];
  return { arms, packs: new Map([...templates, ...prompts].map((p) => [packIdOf(p), p])) };
}

/**
 * One generation: resolve once, then per language choose arms, run the candidates, pick the
 * winner and write it. Every step is a span under one trace; every choice is a decision record.
 */
export async function runGeneration(
  record: GenerationRecord,
  c: RunComponents,
  opts: RunOptions,
): Promise<GenerationRecord> {
  const req = record.request;
  const root = c.tracer.startSpan(
    SPAN.generation,
    { attributes: { [ATTR.generationId]: record.id, 'weavergen.languages': req.languages.join(',') } },
    ROOT_CONTEXT,
  );
  const rctx = trace.setSpan(ROOT_CONTEXT, root);
  const ids = { [ATTR.generationId]: record.id };
  record.traceId = root.spanContext().traceId;
  try {
    // an unchanged request (same registry bytes, same languages, pack, params) is served from the cache
    const key = c.requests ? requestKey(await registryContentHash(req.registry), req) : undefined;
    const hit = key ? await c.requests?.get(key) : undefined;
    root.setAttribute(ATTR.cached, !!hit);
    if (hit) {
      record.registry = hit.registry;
      record.languages = hit.languages.map((l) => ({
        ...l,
        outDir: undefined,
        candidates: l.candidates.map((x) => ({ ...x, cached: true })),
        ...(l.winner ? { winner: { ...l.winner, cached: true } } : {}),
      }));
      for (const l of record.languages) {
        const files = hit.files[l.language];
        if (req.out && files)
          l.outDir = await writeOutput(c, l.language, files, req.out, rctx, {
            ...ids,
            [ATTR.language]: l.language,
            [ATTR.cached]: true,
          });
      }
      record.status = 'succeeded';
      return record;
    }
    const rspan = c.tracer.startSpan(SPAN.resolve, { attributes: ids }, rctx);
    const loaded = await loadRegistry(req.registry, { check: false }).finally(() => rspan.end());
    rspan.setAttributes({
      'weavergen.registry.files': loaded.registry.files.length,
      'weavergen.registry.attributes': loaded.registry.attributes.length,
      'weavergen.registry.errors': loaded.errors,
    });
    const model = toTemplateRegistry(loaded.registry);
    record.registry = {
      root: loaded.registry.root,
      attributes: model.attributes.length,
      metrics: model.metrics.length,
      events: model.events.length,
      errors: loaded.errors,
    };
    const winners: Record<string, GeneratedFile[]> = {};
    record.languages = await Promise.all(
      req.languages.map((language) =>
        runLanguage(record, language, model, loaded.contentHash, rctx, c, opts, winners),
      ),
    );
    const failed = record.languages.filter((l) => !l.winner || l.winner.status === 'failed');
    record.status = opts.signal?.aborted
      ? 'cancelled'
      : failed.length === record.languages.length
        ? 'failed'
        : 'succeeded';
    if (failed.length) record.error = failed.map((l) => `${l.language}: ${l.reason}`).join('; ');
    else if (key && !opts.signal?.aborted)
      await c.requests?.put(key, { registry: record.registry, languages: record.languages, files: winners });
  } catch (e) {
    record.status = opts.signal?.aborted ? 'cancelled' : 'failed';
    record.error = (e as Error).message ?? String(e);
    root.recordException(e as Error);
    root.setStatus({ code: SpanStatusCode.ERROR, message: record.error });
  } finally {
    root.setAttribute('weavergen.generation.status', record.status);
    root.end();
  }
  return record;
}

async function runLanguage(
  record: GenerationRecord,
  language: Language,
  model: TemplateRegistry,
  registryHash: string,
  rctx: Context,
  c: RunComponents,
  opts: RunOptions,
  winners: Record<string, GeneratedFile[]>,
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
      const choice = await c.choose(context, arms, Math.min(opts.candidates, arms.length));
      c.review(context, arms);
      specs = choice.chosen.map((arm) => ({ arm, pack: packs.get(arm.packId)! }));
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
    files: winner.files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content) })),
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
  if (req.out) {
    c.progress(language, 'write');
    outcome.outDir = await writeOutput(c, language, winner.files, req.out, rctx, cattrs);
  }
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

async function writeOutput(
  c: RunComponents,
  language: string,
  files: GeneratedFile[],
  out: string,
  parent: Context,
  attributes: Record<string, string | number | boolean>,
): Promise<string> {
  const span = c.tracer.startSpan(
    SPAN.output,
    {
      attributes: {
        ...attributes,
        [ATTR.files]: files.length,
        [ATTR.bytes]: files.reduce((n, f) => n + f.content.length, 0),
      },
    },
    parent,
  );
  try {
    const dir = resolve(out, language);
    for (const f of files) {
      const full = join(dir, f.path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, f.content);
    }
    return dir;
  } finally {
    span.end();
  }
}

/** A request's cache key: the registry's content hash and what was asked (not where to write it). */
export function requestKey(registryHash: string, req: GenerationRequest): string {
  const asked = {
    languages: [...req.languages].sort(),
    pack: req.pack ?? null,
    params: req.params ?? {},
    candidates: req.candidates ?? null,
    models: req.models ?? null,
  };
  return `req!${createHash('sha256')
    .update(`${registryHash}\0${canonicalJson(asked)}`)
    .digest('hex')}`;
}

/** A served request: the outcome per language and the winners' files. */
export interface CachedRequest {
  registry: GenerationRecord['registry'];
  languages: LanguageOutcome[];
  files: Record<string, GeneratedFile[]>;
}

export interface RequestCache {
  get(key: string): Promise<CachedRequest | undefined>;
  put(key: string, value: CachedRequest): Promise<void>;
}
