import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { toLanguage } from '../generation/languages.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';
import type { SpanRecord } from '../telemetry/span-record.js';
import {
  contextKey,
  type GenerationContext,
  type GeneratorKind,
  parseContextKey,
  type SizeBucket,
} from './context.js';

/** What identifies an arm (DESIGN.md): pack content id, params hash, model id; the rest is for people. */
export interface ArmRef {
  key: string;
  packId: string;
  packName: string;
  params: Record<string, string>;
  paramsHash: string;
  model: string;
}

/** A first answer, or a model generator's answer to the diagnostics of its previous one. */
export type Attempt = 'first' | 'correction';

/** One candidate's outcome, read back from its `weavergen.candidate` span: context, arm, quality. */
export interface CandidateOutcome {
  traceId: string;
  spanId: string;
  generationId?: string;
  /** the span's end, epoch ms */
  at: number;
  contextKey: string;
  context: GenerationContext;
  arm: ArmRef;
  q: number;
  /** absent on spans recorded before attempts were labelled (see attemptsOf in predict.ts) */
  attempt?: Attempt;
  /** 1 compiled, 0 failed, -1 no toolchain could say */
  compiled: 1 | 0 | -1;
  components: {
    completeness?: number;
    naming?: number;
    documentation?: number;
    deprecation?: number;
    warnings?: number;
  };
  /** what the candidate spent (a model generator's tokens and price; the builtin engine's zero), when its span says */
  usage?: Usage;
}

/** Tokens and cost of one candidate, as its span carries them (node/orchestra usageAttributes). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** The span attributes of a candidate's usage (written by the orchestra, read back here). */
export const USAGE_ATTR = {
  inputTokens: 'weavergen.model.input_tokens',
  outputTokens: 'weavergen.model.output_tokens',
  costUsd: 'weavergen.model.cost_usd',
  priced: 'weavergen.model.priced',
} as const;

export const OUTCOME_LABELS = ['compile_failure', 'low_quality', 'high_quality'] as const;
export type OutcomeLabel = (typeof OUTCOME_LABELS)[number];
/** q below this is a low-quality outcome (the definition). */
export const LOW_QUALITY = 0.5;
/** q at or above this is a high-quality outcome, and a success in the arm statistics by default. */
export const HIGH_QUALITY = 0.9;

/** The arm key written on spans and used in the stores: `<pack cid>:<params hash>:<model>`. */
export const armKey = (a: { packId: string; paramsHash: string; model: string }) =>
  `${a.packId}:${a.paramsHash}:${a.model}`;

const GENERATORS = new Set<GeneratorKind>(['builtin', 'ollama', 'openai', 'anthropic']);
const BUCKETS = new Set<SizeBucket>(['xs', 's', 'm', 'l', 'xl']);

/**
 * The outcome of a candidate span, or undefined when the span is not a candidate or lacks the
 * context or arm. A candidate that failed before validation (status ERROR, no quality) counts as
 * q = 0, not compiled: it is evidence against its arm, not a missing value. One whose ERROR message
 * says it was cancelled or aborted is skipped.
 */
export function outcomeFromSpan(span: SpanRecord): CandidateOutcome | undefined {
  if (span.name !== SPAN.candidate) return undefined;
  const a = span.attributes;
  // a result served from the cache is evidence already counted when it was first measured
  if (a[ATTR.cached] === true) return undefined;
  // a candidate the request did not let the toolchain judge is no evidence about its arm
  if (a[ATTR.validationSkipped] === true) return undefined;
  const context = contextFromAttributes(a);
  const packId = str(a[ATTR.armPackId]);
  const paramsHash = str(a[ATTR.armParamsHash]);
  const model = str(a[ATTR.armModel]);
  if (!context || !packId || paramsHash === undefined || !model) return undefined;
  let q = num(a[ATTR.quality]);
  let compiled = num(a[ATTR.qCompiled]);
  if (q === undefined) {
    // a cancelled candidate says nothing about its arm
    if (span.status.code !== 2 || /cancel|abort/i.test(span.status.message ?? '')) return undefined;
    q = 0;
    compiled = 0;
  }
  const arm: ArmRef = {
    key: '',
    packId,
    packName: str(a[ATTR.armPackName]) ?? packId,
    params: parseParams(a[ATTR.armParams]),
    paramsHash,
    model,
  };
  arm.key = str(a[ATTR.armKey]) ?? armKey(arm);
  const generationId = str(a[ATTR.generationId]);
  const usage = usageOf(a);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(generationId ? { generationId } : {}),
    at: span.endTime,
    contextKey: contextKey(context),
    context,
    arm,
    q: Math.min(1, Math.max(0, q)),
    ...(a[ATTR.attempt] === 'correction' ? { attempt: 'correction' as const } : {}),
    compiled: compiled === 1 ? 1 : compiled === 0 ? 0 : -1,
    components: {
      completeness: num(a[ATTR.qCompleteness]),
      naming: num(a[ATTR.qNaming]),
      documentation: num(a[ATTR.qDocumentation]),
      deprecation: num(a[ATTR.qDeprecation]),
      warnings: num(a[ATTR.qWarnings]),
    },
    ...(usage ? { usage } : {}),
  };
}

/**
 * The candidate's usage from its span, when it carries a cost (tokens default to 0). A model the
 * price table does not know (`weavergen.model.priced` false) reports cost 0: that is no price, not
 * a free model, so it gives no usage.
 */
function usageOf(a: Attributes): Usage | undefined {
  const costUsd = num(a[USAGE_ATTR.costUsd]);
  if (costUsd === undefined || costUsd < 0 || a[USAGE_ATTR.priced] === false) return undefined;
  return {
    inputTokens: Math.max(0, num(a[USAGE_ATTR.inputTokens]) ?? 0),
    outputTokens: Math.max(0, num(a[USAGE_ATTR.outputTokens]) ?? 0),
    costUsd,
  };
}

/** The context from its separate attributes, falling back to the key; undefined if neither is valid. */
function contextFromAttributes(a: Attributes): GenerationContext | undefined {
  const language = toLanguage(str(a[ATTR.contextLanguage]) ?? '');
  const generator = str(a[ATTR.contextGenerator]) as GeneratorKind | undefined;
  const size = str(a[ATTR.contextSize]) as SizeBucket | undefined;
  if (language && generator && GENERATORS.has(generator) && size && BUCKETS.has(size)) {
    return {
      language,
      generator,
      sizeBucket: size,
      hasEnums: bool(a[ATTR.contextEnums]),
      hasTemplates: bool(a[ATTR.contextTemplates]),
      hasDeprecated: bool(a[ATTR.contextDeprecated]),
      hasMetrics: bool(a[ATTR.contextMetrics]),
    };
  }
  const key = str(a[ATTR.contextKey]);
  return key ? parseContextKey(key) : undefined;
}

/** The context as span attributes (what outcomeFromSpan reads back). */
export function contextAttributes(context: GenerationContext): Record<string, string | boolean> {
  return {
    [ATTR.contextKey]: contextKey(context),
    [ATTR.contextLanguage]: context.language,
    [ATTR.contextGenerator]: context.generator,
    [ATTR.contextSize]: context.sizeBucket,
    [ATTR.contextEnums]: context.hasEnums,
    [ATTR.contextTemplates]: context.hasTemplates,
    [ATTR.contextDeprecated]: context.hasDeprecated,
    [ATTR.contextMetrics]: context.hasMetrics,
  };
}

/**
 * The attributes a candidate span carries, as the facade emits them: the inverse of
 * outcomeFromSpan, so the two cannot drift (the bench and tests emit spans with it).
 */
export function candidateAttributes(
  context: GenerationContext,
  arm: ArmRef,
  quality?: {
    q: number;
    components: {
      compiled: number | null;
      completeness: number;
      naming: number;
      documentation: number;
      deprecation: number;
      warnings: number;
    };
  },
  usage?: Usage,
): Attributes {
  const out: Attributes = {
    ...contextAttributes(context),
    [ATTR.armKey]: arm.key,
    [ATTR.armPackId]: arm.packId,
    [ATTR.armPackName]: arm.packName,
    [ATTR.armParams]: JSON.stringify(arm.params),
    [ATTR.armParamsHash]: arm.paramsHash,
    [ATTR.armModel]: arm.model,
  };
  if (quality) {
    const c = quality.components;
    Object.assign(out, {
      [ATTR.quality]: quality.q,
      [ATTR.qCompiled]: c.compiled ?? -1,
      [ATTR.qCompleteness]: c.completeness,
      [ATTR.qNaming]: c.naming,
      [ATTR.qDocumentation]: c.documentation,
      [ATTR.qDeprecation]: c.deprecation,
      [ATTR.qWarnings]: c.warnings,
    });
  }
  if (usage)
    Object.assign(out, {
      [USAGE_ATTR.inputTokens]: usage.inputTokens,
      [USAGE_ATTR.outputTokens]: usage.outputTokens,
      [USAGE_ATTR.costUsd]: usage.costUsd,
    });
  return out;
}

/**
 * The items of an outcome for rule mining and correlations: the context fields and the arm fields
 * (pack name, each param=value, model). Params are not qualified by pack, so `param.doc_style=none`
 * can be learned across languages.
 */
export function featuresOf(o: {
  context: GenerationContext;
  arm: Pick<ArmRef, 'packName' | 'params' | 'model'>;
}): string[] {
  const c = o.context;
  const b = (x: boolean) => (x ? '1' : '0');
  return [
    `language=${c.language}`,
    `generator=${c.generator}`,
    `size=${c.sizeBucket}`,
    `enums=${b(c.hasEnums)}`,
    `templates=${b(c.hasTemplates)}`,
    `deprecated=${b(c.hasDeprecated)}`,
    `metrics=${b(c.hasMetrics)}`,
    `pack=${o.arm.packName}`,
    ...Object.keys(o.arm.params)
      .sort()
      .map((k) => `param.${k}=${o.arm.params[k]}`),
    `model=${o.arm.model}`,
  ];
}

/** The outcome labels rules predict: compile failure, low quality (q < 0.5), high quality (q >= 0.9). */
export function labelsOf(o: Pick<CandidateOutcome, 'q' | 'compiled'>): OutcomeLabel[] {
  const out: OutcomeLabel[] = [];
  if (o.compiled === 0) out.push('compile_failure');
  if (o.q < LOW_QUALITY) out.push('low_quality');
  if (o.q >= HIGH_QUALITY) out.push('high_quality');
  return out;
}

const str = (v: AttributeValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: AttributeValue | undefined): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const bool = (v: AttributeValue | undefined): boolean => v === true || v === 1 || v === 'true';

function parseParams(v: AttributeValue | undefined): Record<string, string> {
  if (typeof v !== 'string') return {};
  try {
    const o = JSON.parse(v) as unknown;
    if (!o || typeof o !== 'object' || Array.isArray(o)) return {};
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, String(x)]));
  } catch {
    return {};
  }
}
