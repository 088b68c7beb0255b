import { type Context, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { cacheKey, type ResultCache } from '../generation/cache.js';
import {
  type GeneratedFile,
  generateWithPack,
  type Language,
  renderBudgetOf,
  type TemplateRegistry,
} from '../generation/index.js';
import type { Attempt } from '../learning/features.js';
import type { ChunkRecord, FallbackRecord, Feedback, ModelSet, Usage } from '../models/index.js';
import type { Pack } from '../packs/index.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';
import type { EmitScope, ValidationResult, Validator } from '../validation/index.js';
import { type Consensus, decide } from './consensus.js';
import { limit } from './limit.js';

export type { Attempt } from '../learning/features.js';
export { type Consensus, decide } from './consensus.js';
export { limit } from './limit.js';

/** What the orchestra needs of an arm: which pack, which params, which model. */
export interface CandidateArm {
  key: string;
  packId: string;
  packName: string;
  params: Record<string, string>;
  paramsHash: string;
  model: string;
}

export interface CandidateSpec {
  arm: CandidateArm;
  pack: Pack;
  /** for a model generator's next round: what was wrong with its previous answer */
  feedback?: Feedback;
}

export interface CandidateResult {
  index: number;
  arm: CandidateArm;
  files: GeneratedFile[];
  validation?: ValidationResult;
  q: number;
  error?: string;
  spanId: string;
  durationMs: number;
  cached: boolean;
  /** tokens and cost of a model generator's answer */
  usage?: Usage;
  /** a first answer, or a model's answer to feedback */
  attempt: Attempt;
  /** what was predicted before it ran, and from how many outcomes */
  predicted?: { q: number; n: number };
  /** a model's answer: which registry chunk wrote which files (feedback goes back chunk by chunk) */
  chunks?: ChunkRecord[];
}

/** What a candidate produced, whichever generator made it. */
interface Generated {
  files: GeneratedFile[];
  scope: EmitScope;
  durationMs: number;
  usage?: Usage;
  fallbacks?: FallbackRecord[];
  /** after a fallback, the generator that really produced the files */
  producer?: string;
  chunks?: ChunkRecord[];
}

export interface OrchestraComponents {
  validator: Validator;
  tracer: Tracer;
  /** optional result cache: a hit skips rendering and compiling */
  cache?: ResultCache;
  /** the configured model generators (Ollama, OpenAI, Anthropic); arms whose model is not `builtin` run here */
  models?: ModelSet;
}

export interface OrchestraInit {
  /** candidates validated at once (compilers are CPU-bound: default 2, the cores here) */
  concurrency?: number;
  toolTimeoutMs?: number;
}

export interface RunContext {
  language: Language;
  model: TemplateRegistry;
  parent: Context;
  /** the generation's context attributes, copied onto every candidate span for learning */
  attributes: Record<string, string | number | boolean>;
  /** content hash of the registry, for the result cache */
  registryHash?: string;
  /** quality predicted for a candidate before it runs (from learned outcomes), compared afterwards */
  predict?: (arm: CandidateArm, attempt: Attempt) => { q: number; n: number } | undefined;
  signal?: AbortSignal;
  /** false: no toolchain runs (the request's `validate`); the candidate is no evidence for learning */
  validate?: boolean;
}

export interface Orchestra {
  run(specs: CandidateSpec[], ctx: RunContext): Promise<{ results: CandidateResult[]; consensus: Consensus }>;
}

/** Runs candidates concurrently (bounded), each as a `weavergen.candidate` span with a `weavergen.validate` child. */
export function createOrchestra(components: OrchestraComponents, init: OrchestraInit = {}): Orchestra {
  const { tracer, validator } = components;
  const bounded = limit(init.concurrency ?? 2);

  const runOne = (spec: CandidateSpec, index: number, ctx: RunContext): Promise<CandidateResult> =>
    bounded(async () => {
      const started = performance.now();
      const attempt: Attempt = spec.feedback ? 'correction' : 'first';
      // predicted before anything runs, and put on the span next to what is measured later
      const prediction = ctx.predict?.(spec.arm, attempt);
      const span = tracer.startSpan(
        SPAN.candidate,
        {
          attributes: {
            ...ctx.attributes,
            ...armAttributes(spec.arm),
            'weavergen.candidate.index': index,
            [ATTR.attempt]: attempt,
            ...(prediction ? { [ATTR.predicted]: prediction.q, [ATTR.predictedN]: prediction.n } : {}),
          },
        },
        ctx.parent,
      );
      const known = { attempt, ...(prediction ? { predicted: prediction } : {}) };
      const spanId = span.spanContext().spanId;
      try {
        if (ctx.signal?.aborted) throw new Error('cancelled');
        // model answers are not cached: a retry with feedback must reach the model again
        const key =
          ctx.registryHash && spec.arm.model === 'builtin'
            ? cacheKey(ctx.registryHash, ctx.language, spec.arm.key)
            : undefined;
        const hit = key && ctx.validate !== false ? await components.cache?.get(key) : undefined;
        span.setAttribute(ATTR.cached, !!hit);
        if (hit) {
          span.setAttributes(qualityAttributes(hit.validation));
          return {
            index,
            arm: spec.arm,
            files: hit.files,
            validation: hit.validation,
            q: hit.validation.quality.q,
            spanId,
            durationMs: performance.now() - started,
            cached: true,
            ...known,
          };
        }
        const gen: Generated =
          spec.arm.model === 'builtin'
            ? await generateWithPack(spec.pack, ctx.model, spec.arm.params, undefined, {
                signal: ctx.signal,
                // one render budget per generation: its signal lives exactly as long as it
                budget: ctx.signal && renderBudgetOf(ctx.signal),
              })
            : await generateWithModel(spec, ctx);
        span.setAttribute('weavergen.render.ms', gen.durationMs);
        if (gen.usage) span.setAttributes(usageAttributes(gen.usage, gen.fallbacks));
        if (gen.producer) span.setAttribute('weavergen.model.producer', gen.producer);
        const vspan = tracer.startSpan(
          SPAN.validate,
          { attributes: { ...ctx.attributes, ...armAttributes(spec.arm) } },
          trace.setSpan(ctx.parent, span),
        );
        const validation = await validator.validate(
          { language: ctx.language, files: gen.files, model: ctx.model, scope: gen.scope },
          { timeoutMs: init.toolTimeoutMs, signal: ctx.signal, toolchain: ctx.validate !== false },
        );
        const qa = {
          ...qualityAttributes(validation),
          ...(ctx.validate === false ? { [ATTR.validationSkipped]: true } : {}),
        };
        vspan.setAttributes({ ...qa, 'weavergen.toolchain': validation.toolchain.tool });
        if (validation.toolchain.status === 'failed')
          vspan.setStatus({ code: SpanStatusCode.ERROR, message: firstError(validation) });
        vspan.end();
        span.setAttributes(qa);
        if (key && validation.toolchain.status !== 'not_validated')
          await components.cache?.put(key, { files: gen.files, validation, createdAt: Date.now() });
        return {
          index,
          arm: spec.arm,
          files: gen.files,
          validation,
          q: validation.quality.q,
          spanId,
          durationMs: performance.now() - started,
          cached: false,
          usage: gen.usage,
          ...(gen.chunks ? { chunks: gen.chunks } : {}),
          ...known,
        };
      } catch (e) {
        const message = (e as Error).message ?? String(e);
        span.recordException(e as Error);
        // a model that failed may still have spent tokens on the chunks that did answer
        const spent = (e as { usage?: Usage }).usage;
        if (spent) span.setAttributes(usageAttributes(spent));
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        // a failure is evidence against the arm (q = 0); a cancellation says nothing about it
        if (!ctx.signal?.aborted)
          span.setAttributes({ [ATTR.quality]: 0, [ATTR.qCompiled]: 0, [ATTR.validationStatus]: 'error' });
        return {
          index,
          arm: spec.arm,
          files: [],
          q: 0,
          error: message,
          spanId,
          durationMs: performance.now() - started,
          cached: false,
          ...known,
        };
      } finally {
        span.end();
      }
    });

  /** A model generator's candidate: the prompt pack rendered with the registry (in chunks) and the feedback, sent through the SDK. */
  async function generateWithModel(spec: CandidateSpec, ctx: RunContext) {
    const models = components.models;
    if (!models?.get(spec.arm.model))
      throw new Error(`model ${spec.arm.model} is not configured on this node`);
    const r = await models.withFallback(spec.arm.model).generate({
      language: ctx.language,
      model: ctx.model,
      pack: spec.pack,
      params: spec.arm.params,
      feedback: spec.feedback,
      signal: ctx.signal,
    });
    return {
      files: r.files,
      scope: r.scope,
      durationMs: r.durationMs,
      usage: r.usage,
      fallbacks: r.fallbacks,
      producer: r.model,
      chunks: r.chunks,
    };
  }

  return {
    async run(specs, ctx) {
      const results = await Promise.all(specs.map((s, i) => runOne(s, i, ctx)));
      const consensus = decide(
        results
          .filter((r) => !r.error)
          .map((r) => ({ index: r.index, q: r.q, emitted: r.validation?.symbols.foundKeys ?? [] })),
      );
      return { results, consensus };
    },
  };
}

export function armAttributes(arm: CandidateArm): Record<string, string> {
  return {
    [ATTR.armKey]: arm.key,
    [ATTR.armPackId]: arm.packId,
    [ATTR.armPackName]: arm.packName,
    [ATTR.armParams]: JSON.stringify(arm.params),
    [ATTR.armParamsHash]: arm.paramsHash,
    [ATTR.armModel]: arm.model,
  };
}

export function qualityAttributes(v: ValidationResult): Record<string, string | number> {
  const c = v.quality.components;
  return {
    [ATTR.quality]: v.quality.q,
    [ATTR.qCompiled]: c.compiled ?? -1,
    [ATTR.qCompleteness]: c.completeness,
    [ATTR.qNaming]: c.naming,
    [ATTR.qDocumentation]: c.documentation,
    [ATTR.qDeprecation]: c.deprecation,
    [ATTR.qWarnings]: c.warnings,
    [ATTR.validationStatus]: v.toolchain.status,
    [ATTR.validationErrors]: v.toolchain.errors,
    [ATTR.validationWarnings]: v.toolchain.warnings,
    [ATTR.symbolsExpected]: v.symbols.expected,
    [ATTR.symbolsFound]: v.symbols.found,
  };
}

function firstError(v: ValidationResult): string {
  const d = v.toolchain.diagnostics.find((x) => x.severity === 'error');
  return d ? `${d.file}:${d.line}:${d.column}: ${d.message}` : (v.toolchain.reason ?? 'failed');
}

export type { Span };

function usageAttributes(u: Usage, fallbacks?: FallbackRecord[]): Record<string, string | number | boolean> {
  return {
    'weavergen.model.input_tokens': u.inputTokens,
    'weavergen.model.output_tokens': u.outputTokens,
    'weavergen.model.cost_usd': u.costUsd,
    'weavergen.model.priced': u.priced,
    ...(fallbacks?.length
      ? { 'weavergen.model.fallbacks': fallbacks.map((f) => `${f.from} -> ${f.to}: ${f.reason}`).join('; ') }
      : {}),
  };
}
