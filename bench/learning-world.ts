import type { Language } from '../node/generation/index.js';
import { armsFor } from '../node/jobs/arms.js';
import { contextKey, type GenerationContext, type SizeBucket } from '../node/learning/context.js';
import type { Usage } from '../node/learning/features.js';
import { type Arm, BUILTIN_MODEL } from '../node/optimizer/arms.js';
import { normal, type Random, seededRandom } from '../node/optimizer/random.js';

/**
 * The learning benchmark's world, simulated and drawn from a seed: contexts (language, registry size
 * bucket, shape flags) and a traffic of generations over them; the node's real arms (the built-in
 * template packs in every param combination, and the built-in prompt packs under simulated models);
 * and for every (context, arm) a hidden quality and cost. Policies only see noisy outcomes.
 *
 * Every parameter is drawn from the distributions below, written down once and not tuned on the
 * seeds the report runs on. Nothing in it knows which arm is a pack's default, except that a
 * default param value has no main effect (the other values' main effects are relative to it).
 */
export const DISTRIBUTIONS = {
  contexts: {
    /** contexts per world, uniform integer */
    count: [16, 32],
    languages: ['typescript', 'python', 'go', 'rust', 'java'] as Language[],
    /** registry size bucket, categorical */
    size: { xs: 0.15, s: 0.3, m: 0.3, l: 0.17, xl: 0.08 } as Record<SizeBucket, number>,
    /** per world and flag (enums, templates, deprecated, metrics): the share of contexts having it, uniform */
    flagRate: [0.25, 0.75],
  },
  traffic: {
    /** context popularity ~ 1 / rank^s over a random ranking, s uniform */
    zipfExponent: [0.6, 1.2],
  },
  templates: {
    /** nominal q of a pack's default params on a context with no shape effect, per language, uniform */
    base: [0.78, 0.97],
    /** per non-default param value: Normal(mean, sd) added to q (the default value's is 0) */
    mainEffect: { mean: -0.02, sd: 0.05 },
    /** per (param value, shape feature), default values included: with probability p, Normal(0, sd) added when the context has the feature */
    interaction: { p: 0.15, sd: 0.08 },
    /** per param value, default values included: with probability p it breaks (does not compile) on one failure feature, uniform */
    breaks: { p: 0.12 },
    /** sd of the Normal noise of an outcome around the nominal q, per pack, uniform */
    noiseSd: [0.005, 0.02],
  },
  models: {
    /** simulated model generators per world, uniform integer */
    count: [2, 3],
    /** nominal q of the model with the default prompt on an xs registry, uniform */
    skill: [0.7, 0.98],
    /** q lost per size bucket above xs, uniform */
    sizePenalty: [0, 0.05],
    /** per (model, language): Normal(0, sd) added */
    language: { sd: 0.04 },
    /** the `detail=brief` prompt variant's main effect, Normal, per model */
    brief: { mean: -0.02, sd: 0.04 },
    /** per (model, prompt value, shape feature): with probability p, Normal(0, sd) */
    interaction: { p: 0.15, sd: 0.06 },
    /** per (model, failure feature): with probability p the model fails to compile on it, at a rate uniform in `rate` */
    breaks: { p: 0.08, rate: [0.5, 0.9] },
    noiseSd: [0.03, 0.08],
    /** USD per million input tokens, log-uniform; output price = input x ratio, uniform */
    inputPrice: [0.1, 10],
    outputRatio: [2, 5],
    /** tokens of one answer by size bucket, times a log-normal(0, tokenSd) draw per candidate */
    inputTokens: { xs: 3_000, s: 10_000, m: 40_000, l: 120_000, xl: 400_000 } as Record<SizeBucket, number>,
    outputTokens: { xs: 1_500, s: 5_000, m: 20_000, l: 60_000, xl: 200_000 } as Record<SizeBucket, number>,
    /** `detail=brief` sends fewer input tokens: this factor, per model, uniform */
    briefTokens: [0.5, 0.8],
    tokenSd: 0.15,
  },
  /** a candidate that does not compile scores this share of the q it would have had (the validation contract) */
  failedShare: 0.3,
} as const;

/** Shape features effects attach to; `large` is an l or xl registry, `small` an xs or s one. */
export const FEATURES = ['enums', 'templates', 'deprecated', 'metrics', 'large', 'small'] as const;
/** Features a param value or model may break on. */
export const FAILURE_FEATURES = ['enums', 'templates', 'deprecated', 'metrics', 'large'] as const;
export type Feature = (typeof FEATURES)[number];

export const SIM_MODEL = (i: number) => `sim:model-${String.fromCharCode(97 + i)}`;

/** What a policy never sees: an arm's expected outcome in a context. */
export interface Hidden {
  /** q of an output that compiles, before noise */
  nominal: number;
  /** probability that an output does not compile */
  failRate: number;
  noiseSd: number;
  /** expected q (noise before clipping ignored) */
  q: number;
  /** expected USD per candidate */
  cost: number;
  tokens?: { input: number; output: number };
  price?: { input: number; output: number };
}

export interface SimContext {
  key: string;
  context: GenerationContext;
  /** the node's arms for the context's language (node/jobs/arms.ts armsFor with the simulated models) */
  arms: Arm[];
  hidden: Map<string, Hidden>;
  /** the arm of highest expected q */
  best: Arm;
  /** the cheapest arm whose expected q reaches the bar, else the best */
  cheapest: Arm;
}

export interface SimModel {
  id: string;
  skill: number;
  price: { input: number; output: number };
}

export interface World {
  seed: number;
  contexts: SimContext[];
  models: SimModel[];
  /** the context index of every generation, in order */
  sequence: number[];
}

export interface Outcome {
  q: number;
  compiled: 0 | 1;
  usage: Usage;
}

const uniform = (r: Random, [a, b]: readonly [number, number] | readonly number[]) => a + (b - a) * r();
const int = (r: Random, [a, b]: readonly number[]) => a + Math.floor(r() * (b - a + 1));
const pick = <T>(r: Random, xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
/** The index whose cumulative weight first exceeds `u` (u in [0, sum of weights)). */
function categorical(u: number, weights: number[]): number {
  let left = u;
  for (let i = 0; i < weights.length; i++) {
    left -= weights[i];
    if (left < 0) return i;
  }
  return weights.length - 1;
}
const clip = (x: number) => Math.min(1, Math.max(0, x));

/** whether a context has a feature of the world's quality model */
export function has(c: GenerationContext, f: Feature): boolean {
  switch (f) {
    case 'enums':
      return c.hasEnums;
    case 'templates':
      return c.hasTemplates;
    case 'deprecated':
      return c.hasDeprecated;
    case 'metrics':
      return c.hasMetrics;
    case 'large':
      return c.sizeBucket === 'l' || c.sizeBucket === 'xl';
    case 'small':
      return c.sizeBucket === 'xs' || c.sizeBucket === 's';
  }
}

interface ValueEffect {
  main: number;
  interactions: Partial<Record<Feature, number>>;
  breaks?: Feature;
}

function valueEffect(
  r: Random,
  isDefault: boolean,
  main: { mean: number; sd: number },
  inter: { p: number; sd: number },
  breakP: number,
): ValueEffect {
  const interactions: Partial<Record<Feature, number>> = {};
  for (const f of FEATURES) if (r() < inter.p) interactions[f] = inter.sd * normal(r);
  const effect: ValueEffect = { main: isDefault ? 0 : main.mean + main.sd * normal(r), interactions };
  if (r() < breakP) effect.breaks = pick(r, FAILURE_FEATURES);
  return effect;
}

const SIZES: SizeBucket[] = ['xs', 's', 'm', 'l', 'xl'];
const D = DISTRIBUTIONS;

/**
 * Draws a world from `seed`: the contexts, the traffic of `generations` generations, and every
 * arm's hidden quality and cost per context. The bar is the acceptance threshold (q >= 0.9).
 */
export async function drawWorld(seed: number, generations: number, bar = 0.9): Promise<World> {
  const r = seededRandom(seed * 7919 + 17);
  const models: (SimModel & {
    sizePenalty: number;
    language: Partial<Record<Language, number>>;
    brief: ValueEffect;
    full: ValueEffect;
    breaks: Partial<Record<Feature, number>>;
    noiseSd: number;
    briefTokens: number;
  })[] = [];
  const modelCount = int(r, D.models.count);
  for (let i = 0; i < modelCount; i++) {
    const input = Math.exp(uniform(r, [Math.log(D.models.inputPrice[0]), Math.log(D.models.inputPrice[1])]));
    const breaks: Partial<Record<Feature, number>> = {};
    for (const f of FAILURE_FEATURES)
      if (r() < D.models.breaks.p) breaks[f] = uniform(r, D.models.breaks.rate);
    models.push({
      id: SIM_MODEL(i),
      skill: uniform(r, D.models.skill),
      price: { input, output: input * uniform(r, D.models.outputRatio) },
      sizePenalty: uniform(r, D.models.sizePenalty),
      language: Object.fromEntries(D.contexts.languages.map((l) => [l, D.models.language.sd * normal(r)])),
      full: valueEffect(r, true, D.models.brief, D.models.interaction, 0),
      brief: valueEffect(r, false, D.models.brief, D.models.interaction, 0),
      breaks,
      noiseSd: uniform(r, D.models.noiseSd),
      briefTokens: uniform(r, D.models.briefTokens),
    });
  }
  const modelIds = models.map((m) => m.id);

  // the contexts: distinct keys
  const flagRate = {
    enums: uniform(r, D.contexts.flagRate),
    templates: uniform(r, D.contexts.flagRate),
    deprecated: uniform(r, D.contexts.flagRate),
    metrics: uniform(r, D.contexts.flagRate),
  };
  const wanted = int(r, D.contexts.count);
  const drawn = new Map<string, GenerationContext>();
  for (let tries = 0; drawn.size < wanted && tries < 10_000; tries++) {
    const sizeBucket =
      SIZES[
        categorical(
          r(),
          SIZES.map((s) => D.contexts.size[s]),
        )
      ];
    const c: GenerationContext = {
      language: pick(r, D.contexts.languages),
      generator: 'builtin',
      sizeBucket,
      hasEnums: r() < flagRate.enums,
      hasTemplates: r() < flagRate.templates,
      hasDeprecated: r() < flagRate.deprecated,
      hasMetrics: r() < flagRate.metrics,
    };
    if (!drawn.has(contextKey(c))) drawn.set(contextKey(c), c);
  }

  // template effects per (language, param, value)
  const armsByLanguage = new Map<Language, Arm[]>();
  const packEffects = new Map<
    Language,
    { base: number; noiseSd: number; values: Map<string, ValueEffect> }
  >();
  for (const language of D.contexts.languages) {
    const { arms } = await armsFor(language, undefined, modelIds);
    armsByLanguage.set(language, arms);
    const values = new Map<string, ValueEffect>();
    const builtin = arms.filter((a) => a.model === BUILTIN_MODEL);
    const defaults = builtin.find((a) => a.isDefault)?.params ?? {};
    for (const a of builtin)
      for (const [p, v] of Object.entries(a.params))
        if (!values.has(`${p}=${v}`))
          values.set(
            `${p}=${v}`,
            valueEffect(
              r,
              defaults[p] === v,
              D.templates.mainEffect,
              D.templates.interaction,
              D.templates.breaks.p,
            ),
          );
    packEffects.set(language, {
      base: uniform(r, D.templates.base),
      noiseSd: uniform(r, D.templates.noiseSd),
      values,
    });
  }

  const contexts: SimContext[] = [...drawn.values()].map((context) => {
    const arms = armsByLanguage.get(context.language) as Arm[];
    const pack = packEffects.get(context.language) as NonNullable<ReturnType<typeof packEffects.get>>;
    const hidden = new Map<string, Hidden>();
    const on = (e: ValueEffect) =>
      e.main + FEATURES.reduce((s, f) => s + (has(context, f) ? (e.interactions[f] ?? 0) : 0), 0);
    for (const arm of arms) {
      let h: Hidden;
      if (arm.model === BUILTIN_MODEL) {
        let nominal = pack.base;
        let broken = false;
        for (const [p, v] of Object.entries(arm.params)) {
          const e = pack.values.get(`${p}=${v}`) as ValueEffect;
          nominal += on(e);
          if (e.breaks && has(context, e.breaks)) broken = true;
        }
        nominal = clip(nominal);
        h = { nominal, failRate: broken ? 1 : 0, noiseSd: pack.noiseSd, q: 0, cost: 0 };
      } else {
        const m = models.find((x) => x.id === arm.model) as (typeof models)[number];
        const brief = arm.params.detail === 'brief';
        const nominal = clip(
          m.skill -
            m.sizePenalty * SIZES.indexOf(context.sizeBucket) +
            (m.language[context.language] ?? 0) +
            on(brief ? m.brief : m.full),
        );
        const failRate =
          1 - FAILURE_FEATURES.reduce((p, f) => p * (has(context, f) ? 1 - (m.breaks[f] ?? 0) : 1), 1);
        const tokenMean = Math.exp((D.models.tokenSd * D.models.tokenSd) / 2);
        const tokens = {
          input: D.models.inputTokens[context.sizeBucket] * (brief ? m.briefTokens : 1),
          output: D.models.outputTokens[context.sizeBucket],
        };
        const cost =
          ((tokens.input * m.price.input + tokens.output * m.price.output) / 1_000_000) * tokenMean;
        h = { nominal, failRate, noiseSd: m.noiseSd, q: 0, cost, tokens, price: m.price };
      }
      h.q = (1 - h.failRate) * h.nominal + h.failRate * D.failedShare * h.nominal;
      hidden.set(arm.key, h);
    }
    const q = (a: Arm) => (hidden.get(a.key) as Hidden).q;
    const cost = (a: Arm) => (hidden.get(a.key) as Hidden).cost;
    const best = arms.reduce((b, a) => (q(a) > q(b) ? a : b));
    const reaching = arms.filter((a) => q(a) >= bar).sort((a, b) => cost(a) - cost(b) || q(b) - q(a));
    return { key: contextKey(context), context, arms, hidden, best, cheapest: reaching[0] ?? best };
  });

  // the traffic: Zipf popularity over a random ranking of the contexts
  const s = uniform(r, D.traffic.zipfExponent);
  const ranks = contexts.map((_, i) => i);
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
  }
  const weights = ranks.map((rank) => 1 / (rank + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const sequence = Array.from({ length: generations }, () => categorical(r() * total, weights));
  return {
    seed,
    contexts,
    models: models.map(({ id, skill, price }) => ({ id, skill, price })),
    sequence,
  };
}

/**
 * One candidate's outcome: the same (seed, generation, arm) always draws the same outcome, so every
 * policy running an arm in a generation sees the same noise (common random numbers).
 */
export function drawOutcome(world: World, generation: number, c: SimContext, arm: Arm): Outcome {
  const h = c.hidden.get(arm.key);
  if (!h) throw new Error(`no hidden quality for ${arm.key} in ${c.key}`);
  const r = seededRandom(fnv(`${world.seed}|${generation}|${arm.key}`));
  const fails = r() < h.failRate;
  const drawnQ = clip(h.nominal + h.noiseSd * normal(r));
  const q = fails ? D.failedShare * drawnQ : drawnQ;
  if (!h.tokens || !h.price)
    return { q, compiled: fails ? 0 : 1, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } };
  const inputTokens = Math.round(h.tokens.input * Math.exp(D.models.tokenSd * normal(r)));
  const outputTokens = Math.round(h.tokens.output * Math.exp(D.models.tokenSd * normal(r)));
  const costUsd = (inputTokens * h.price.input + outputTokens * h.price.output) / 1_000_000;
  return {
    q,
    compiled: fails ? 0 : 1,
    usage: { inputTokens, outputTokens, costUsd: Math.round(costUsd * 1e8) / 1e8 },
  };
}

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
