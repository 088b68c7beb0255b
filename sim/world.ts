import {
  DISTRIBUTIONS,
  drawWorld,
  FAILURE_FEATURES,
  FEATURES,
  type Feature,
  type Hidden,
  has,
  type SimContext,
  type World,
} from '../bench/learning-world.js';
import { paramsHash } from '../marketplace/pack-id.js';
import { armKey } from '../node/learning/features.js';
import { type Arm, BUILTIN_MODEL } from '../node/optimizer/arms.js';
import { normal, type Random, seededRandom } from '../node/optimizer/random.js';
import { cidOfBytes } from '../protocols/content-id.js';

/**
 * The simulation's world, drawn from a seed: bench/learning-world.ts's world (contexts, the node's
 * real built-in template arms and their hidden qualities; its simulated model arms are left out)
 * plus, per language, community packs and one bad pack. A community pack is extra arms with their
 * own hidden qualities (no template folder behind them): very good on the contexts that have its
 * strong feature, mediocre elsewhere, broken (does not compile) on its weak feature. The bad pack
 * is what sybils push: it mostly does not compile anywhere.
 */
export const SIM_DISTRIBUTIONS = {
  community: {
    /** community packs per language */
    packs: 2,
    /** variants (param values of `style`) per community pack */
    variants: 2,
    /** nominal q on a context having the pack's strong feature, uniform */
    strong: [0.93, 0.99],
    /** nominal q elsewhere, uniform */
    elsewhere: [0.6, 0.85],
    /** a non-default variant's effect, Normal(0, sd) */
    variantSd: 0.02,
    /** probability that the pack breaks on one failure feature (weak feature) */
    breaks: 0.7,
    noiseSd: [0.005, 0.02],
  },
  bad: {
    /** nominal q of the bad pack, uniform; it fails to compile at failRate */
    nominal: [0.5, 0.7],
    failRate: 0.8,
    variants: 2,
    noiseSd: 0.02,
  },
  nodes: {
    /** contexts in a project's mix, uniform integer */
    contexts: [1, 4],
    /** context popularity across projects ~ 1 / rank^s (the learning world's traffic exponent) */
    zipfExponent: DISTRIBUTIONS.traffic.zipfExponent,
  },
} as const;

export type ArmKind = 'builtin' | 'community' | 'bad';

export interface SimArm extends Arm {
  kind: ArmKind;
}

export interface SimWorld {
  seed: number;
  /** bench/learning-world.ts's World with the contexts below (for drawOutcome) */
  world: World;
  contexts: SimContext[];
  /** arm key -> kind */
  kinds: Map<string, ArmKind>;
  /** context popularity weights, same order as contexts */
  popularity: number[];
}

const uniform = (r: Random, [a, b]: readonly number[]) => a + (b - a) * r();
const clip = (x: number) => Math.min(1, Math.max(0, x));
const STYLES = ['a', 'b', 'c', 'd'];

function fakeArm(
  seed: number,
  kind: 'community' | 'bad',
  language: string,
  i: number,
  style: string,
): SimArm {
  const packName = kind === 'bad' ? `sim-bad-${language}` : `sim-community-${language}-${i}`;
  const packId = cidOfBytes(new TextEncoder().encode(`weavergen-sim|${seed}|${packName}`));
  const params = { style };
  const hash = paramsHash(params);
  return {
    key: armKey({ packId, paramsHash: hash, model: BUILTIN_MODEL }),
    packId,
    packName,
    language,
    params,
    paramsHash: hash,
    model: BUILTIN_MODEL,
    isDefault: style === 'a',
    kind,
  };
}

const expected = (h: Omit<Hidden, 'q'>) =>
  (1 - h.failRate) * h.nominal + h.failRate * DISTRIBUTIONS.failedShare * h.nominal;

/** Draws the simulation world of `seed` (deterministic). */
export async function drawSimWorld(seed: number): Promise<SimWorld> {
  const base = await drawWorld(seed, 0);
  const r = seededRandom(seed * 104_729 + 3);
  const C = SIM_DISTRIBUTIONS.community;
  const B = SIM_DISTRIBUTIONS.bad;
  const languages = [...new Set(base.contexts.map((c) => c.context.language))].sort();
  const kinds = new Map<string, ArmKind>();
  const extra = new Map<
    string,
    {
      arm: SimArm;
      strong?: Feature;
      weak?: Feature;
      variant: number;
      noiseSd: number;
      lo: number;
      hi: number;
    }[]
  >();
  for (const language of languages) {
    const list: NonNullable<ReturnType<typeof extra.get>> = [];
    for (let i = 0; i < C.packs; i++) {
      const strong = FEATURES[Math.floor(r() * FEATURES.length)];
      let weak: Feature | undefined;
      if (r() < C.breaks) {
        const options = FAILURE_FEATURES.filter((f) => f !== strong);
        weak = options[Math.floor(r() * options.length)];
      }
      const noiseSd = uniform(r, C.noiseSd);
      const lo = uniform(r, C.elsewhere);
      const hi = uniform(r, C.strong);
      for (let v = 0; v < C.variants; v++)
        list.push({
          arm: fakeArm(seed, 'community', language, i, STYLES[v]),
          strong,
          ...(weak ? { weak } : {}),
          variant: v === 0 ? 0 : C.variantSd * normal(r),
          noiseSd,
          lo,
          hi,
        });
    }
    const badNominal = uniform(r, B.nominal);
    for (let v = 0; v < B.variants; v++)
      list.push({
        arm: fakeArm(seed, 'bad', language, 0, STYLES[v]),
        variant: 0,
        noiseSd: B.noiseSd,
        lo: badNominal,
        hi: badNominal,
      });
    extra.set(language, list);
  }

  const contexts: SimContext[] = base.contexts.map((c) => {
    const templates = c.arms.filter((a) => a.model === BUILTIN_MODEL);
    const hidden = new Map<string, Hidden>();
    const arms: Arm[] = [];
    for (const a of templates) {
      arms.push({ ...a, kind: 'builtin' } as SimArm);
      kinds.set(a.key, 'builtin');
      hidden.set(a.key, c.hidden.get(a.key) as Hidden);
    }
    for (const x of extra.get(c.context.language) ?? []) {
      const nominal = clip((x.strong && has(c.context, x.strong) ? x.hi : x.lo) + x.variant);
      const failRate = x.arm.kind === 'bad' ? B.failRate : x.weak && has(c.context, x.weak) ? 1 : 0;
      const h = { nominal, failRate, noiseSd: x.noiseSd, cost: 0 };
      hidden.set(x.arm.key, { ...h, q: expected(h) });
      kinds.set(x.arm.key, x.arm.kind);
      arms.push(x.arm);
    }
    const q = (a: Arm) => (hidden.get(a.key) as Hidden).q;
    const best = arms.reduce((b, a) => (q(a) > q(b) ? a : b));
    return { key: c.key, context: c.context, arms, hidden, best, cheapest: best };
  });

  // context popularity across projects: Zipf over a seeded ranking
  const s = uniform(r, SIM_DISTRIBUTIONS.nodes.zipfExponent);
  const ranks = contexts.map((_, i) => i);
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
  }
  const popularity = ranks.map((rank) => 1 / (rank + 1) ** s);
  return { seed, world: { ...base, contexts, sequence: [] }, contexts, kinds, popularity };
}

/** A project: its contexts (indexes into the world's) and its traffic weights over them. */
export interface Project {
  contexts: number[];
  weights: number[];
}

/** The project of node `index` in the world (deterministic in seed and index). */
export function drawProject(w: SimWorld, index: number): Project {
  const r = seededRandom(w.seed * 7_368_787 + index * 2_654_435 + 11);
  const [lo, hi] = SIM_DISTRIBUTIONS.nodes.contexts;
  const m = Math.min(w.contexts.length, lo + Math.floor(r() * (hi - lo + 1)));
  const pool = w.contexts.map((_, i) => i);
  const weights = [...w.popularity];
  const contexts: number[] = [];
  while (contexts.length < m) {
    const total = pool.reduce((s, i) => s + weights[i], 0);
    let u = r() * total;
    let pick = pool[pool.length - 1];
    for (const i of pool) {
      u -= weights[i];
      if (u < 0) {
        pick = i;
        break;
      }
    }
    contexts.push(pick);
    pool.splice(pool.indexOf(pick), 1);
  }
  return { contexts, weights: contexts.map(() => 0.2 + r()) };
}

/** The project's traffic: `generations` context indexes drawn by its weights. */
export function projectTraffic(w: SimWorld, p: Project, index: number, generations: number): number[] {
  const r = seededRandom(w.seed * 92_821 + index * 1_000_003 + 7);
  const total = p.weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: generations }, () => {
    let u = r() * total;
    for (let i = 0; i < p.contexts.length; i++) {
      u -= p.weights[i];
      if (u < 0) return p.contexts[i];
    }
    return p.contexts[p.contexts.length - 1];
  });
}

/** Hidden expected q of an arm in a context. */
export const hiddenQ = (c: SimContext, arm: { key: string }) => c.hidden.get(arm.key)?.q ?? 0;

/** What the world looks like, for the report. */
export function describeWorld(w: SimWorld) {
  let communityBest = 0;
  let defaultsWithin5 = 0;
  let communityBroken = 0;
  let communityBetterThanDefaults = 0;
  for (const c of w.contexts) {
    const def = c.arms.find((a) => (a as SimArm).kind === 'builtin' && a.isDefault) as Arm;
    const best = hiddenQ(c, c.best);
    if (w.kinds.get(c.best.key) === 'community') communityBest++;
    if (hiddenQ(c, def) >= 0.95 * best) defaultsWithin5++;
    const community = c.arms.filter((a) => w.kinds.get(a.key) === 'community');
    if (community.some((a) => (c.hidden.get(a.key)?.failRate ?? 0) >= 1)) communityBroken++;
    if (community.some((a) => hiddenQ(c, a) > hiddenQ(c, def))) communityBetterThanDefaults++;
  }
  return {
    contexts: w.contexts.length,
    communityBest,
    communityBetterThanDefaults,
    communityBroken,
    defaultsWithin5,
  };
}
