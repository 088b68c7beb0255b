import { DIGEST_VERSION, LIMITS } from './ids.js';
import { laplace, secureRandom } from './laplace.js';
import { type DigestEntry, sortEntries, type UnsignedDigest } from './messages.js';
import { parseArmKey } from './wire-strings.js';

/**
 * The anonymizer: the only way a node's learning leaves it. From the arm statistics it keeps the
 * context (re-built from its coarse fields: never a name, path or content) and the arm id (pack
 * content id, params hash, a model id the release policy allows), adds Laplace noise to the counts
 * and releases an entry only where its NOISED n reaches k. Pure: no I/O; the privacy state goes in
 * and comes out, the caller persists it.
 *
 * Privacy unit: one outcome (one candidate's q). It changes one entry, by at most 1 in each of n,
 * sumQ and sumQ2 (q and q^2 are in [0, 1]): L1 sensitivity 3 (SENSITIVITY), so each released
 * coordinate gets Laplace(scale), scale = 3 / epsilon. Nothing else about an entry is sent.
 *
 * Sticky noise (default): the counts are cumulative, so fresh noise on every digest would average
 * away. An entry's noise is drawn once for its true counts and the same noised values (or the same
 * "withheld") are sent again, unchanged, until its true counts change; only then is it drawn anew.
 * Re-sending released values is post-processing: a build that draws nothing spends nothing. A build
 * that draws spends epsilon once, whatever the number of entries drawn: an outcome is in exactly
 * one entry (parallel composition across entries). Over builds the spends add up (basic
 * composition). `sticky: false` draws every entry on every build (the old behaviour, for ablations).
 * Caveat: WHEN an entry is re-drawn is public (its values change), so an observer learns in which
 * epochs an entry gained outcomes, though not how many; the epsilon accounting covers the values,
 * not that timing.
 *
 * Noisy threshold (default): no cut on the exact n. An entry is released iff its noised n, rounded
 * as it is released, is >= k (the noised value x >= k - 1/2). Its guarantee is (epsilon, delta)
 * with delta the probability that an entry holding one outcome is released at all
 * (`anonymizer.delta`): 0.5 exp(-(k - 3/2) / scale) for k >= 2 (0.16 at k 5, scale 3). `threshold: 'exact'` is the old exact cut
 * (exact n >= k) plus the noised cut: not differentially private (delta reported as 1).
 *
 * Distinct projects (`kProjects`, default 1: off): an entry whose statistic says how many projects
 * (a node's tenants) contributed outcomes (`projects`) is released only when at least kProjects
 * did, so one team's figures do not leave a shared node as the node's. A statistic without
 * `projects` is not cut: a single-tenant node cannot tell its projects apart (node/node.ts sets it
 * only where several tenants share). The cut is on an exact count, like the 'exact' threshold: it
 * only withholds, but whether an entry is withheld for it is outside the (epsilon, delta) statement.
 *
 * Epochs: at most one digest per epoch (default 24 h); the digest is dated with its epoch's start
 * (epoch * epochMs), not the build time, so its date says nothing about the node's clock phase.
 *
 * Budget: `budgetPerYear` epsilon over any rolling 365 days (default 365: epsilon 1 on each day
 * the counts change). Spends are recorded per epoch (dated with the epoch start, merged per UTC day,
 * the latest start kept, so a merged record rolls off no earlier than its latest spend); past the
 * budget a build that would draw is refused ('budget-exhausted', with `resumesAt`) until old spends
 * roll off: the node pauses, it never stops for good. The lifetime total is kept too.
 *
 * State bounds: the noise of at most `maxTracked` entries (default 4 x LIMITS.digestEntries) is
 * remembered; entries past it are neither drawn nor released (withheld as overCap), and spends of
 * the last 365 days only (at most one record per day).
 */

export const LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java'] as const;
export const GENERATORS = ['builtin', 'ollama', 'openai', 'anthropic'] as const;
const SIZE_BUCKETS = ['xs', 's', 'm', 'l', 'xl'] as const;

/** L1 sensitivity of an entry's released coordinates (n, sumQ, sumQ2) to one outcome. */
export const SENSITIVITY = 3;
export const DAY_MS = 24 * 3600_000;
export const YEAR_MS = 365 * DAY_MS;

/** What the anonymizer reads from an arm statistic (node/learning's ArmStats has these and more). */
export interface ArmStatsLike {
  contextKey: string;
  armKey: string;
  n: number;
  sumQ: number;
  sumQ2: number;
  /** distinct projects (tenants) whose outcomes these counts hold; absent when not known */
  projects?: number;
}

export type ThresholdMode = 'noisy' | 'exact';

export interface AnonymizerInit {
  /** release only entries whose noised n reaches k (default 5) */
  k?: number;
  /** release only entries with at least this many distinct projects, where a statistic counts them (default 1) */
  kProjects?: number;
  /** Laplace epsilon spent by a build that draws noise (default 1); the scale is SENSITIVITY / epsilon */
  epsilon?: number;
  /** epsilon a node may spend over any rolling 365 days (default 365); past it builds that draw pause */
  budgetPerYear?: number;
  /** @deprecated the former lifetime budget, now read as budgetPerYear when that is not given */
  lifetimeBudget?: number;
  /** epoch length, one digest per epoch (default 24 h) */
  epochMs?: number;
  /** at most this many entries, the largest noised n first (default and hard cap LIMITS.digestEntries) */
  maxEntries?: number;
  /** entries whose noise the state remembers (default 4 x LIMITS.digestEntries) */
  maxTracked?: number;
  /** reuse an entry's noise until its true counts change (default true); false: fresh noise on every build */
  sticky?: boolean;
  /** 'noisy' (default): released iff the rounded noised n >= k; 'exact': exact n >= k, then noised n >= k */
  threshold?: ThresholdMode;
  /** uniform [0, 1) source for the noise (default: the CSPRNG) */
  random?: () => number;
  /** which model ids may appear in arm ids (default: DEFAULT_RELEASE_MODEL) */
  releaseModel?: (model: string) => boolean;
  /** which pack content ids may appear in arm ids (default: all) */
  releasePack?: (packCid: string) => boolean;
  /** which (rebuilt, coarse) context keys may be released (default: all) */
  releaseContext?: (contextKey: string) => boolean;
}

/** The noise of one (context, arm), kept while its true counts stay the same. */
export interface NoiseRecord {
  contextKey: string;
  armKey: string;
  /** the true (n, sumQ, sumQ2) the noise was drawn for */
  truth: [number, number, number];
  /** the released (n, sumQ, sumQ2), or null when the draw withheld it (noised n < k) */
  released: [number, number, number] | null;
  /** the epoch of the draw */
  epoch: number;
}

/** The state the caller persists between builds. */
export interface PrivacyState {
  /** epsilon spent over the node's life */
  spent: number;
  /** last epoch a digest was built for, -1 before the first */
  lastEpoch: number;
  /** digests built so far */
  published: number;
  /** [epoch start (ms), epsilon] of the spends of the last 365 days, oldest first, one per UTC day */
  spends: [number, number][];
  /** the parameters the remembered noise was drawn with (records drawn otherwise are dropped) */
  noiseKey?: string;
  /** sticky noise per (context, arm), sorted by key */
  noise: NoiseRecord[];
}

export const INITIAL_PRIVACY_STATE: PrivacyState = Object.freeze({
  spent: 0,
  lastEpoch: -1,
  published: 0,
  spends: Object.freeze([]) as unknown as [number, number][],
  noise: Object.freeze([]) as unknown as NoiseRecord[],
});

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const triple = (x: unknown): x is [number, number, number] =>
  Array.isArray(x) && x.length === 3 && x.every(finite);

/**
 * A stored privacy state of any earlier shape ({spent, lastEpoch, published}) or a damaged one,
 * completed: missing or malformed fields read as empty (no spends dated, no noise remembered).
 */
export function migratePrivacyState(raw: unknown): PrivacyState {
  const o = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const spends = Array.isArray(o.spends)
    ? (o.spends as unknown[]).filter(
        (s): s is [number, number] => Array.isArray(s) && s.length === 2 && finite(s[0]) && finite(s[1]),
      )
    : [];
  const noise = Array.isArray(o.noise)
    ? (o.noise as unknown[]).filter(
        (r): r is NoiseRecord =>
          r !== null &&
          typeof r === 'object' &&
          typeof (r as NoiseRecord).contextKey === 'string' &&
          typeof (r as NoiseRecord).armKey === 'string' &&
          triple((r as NoiseRecord).truth) &&
          ((r as NoiseRecord).released === null || triple((r as NoiseRecord).released)) &&
          finite((r as NoiseRecord).epoch),
      )
    : [];
  return {
    spent: finite(o.spent) && o.spent >= 0 ? o.spent : 0,
    lastEpoch: finite(o.lastEpoch) && o.lastEpoch >= -1 ? Math.floor(o.lastEpoch) : -1,
    published: finite(o.published) && o.published >= 0 ? Math.floor(o.published) : 0,
    spends: [...spends].sort((a, b) => a[0] - b[0]),
    ...(typeof o.noiseKey === 'string' ? { noiseKey: o.noiseKey } : {}),
    noise,
  };
}

/**
 * Default model policy: the builtin engine, or `<provider>:<model>` for the known providers with a
 * model name made of lowercase letters, digits, dots, dashes and an optional `:tag`. A node whose
 * local model names say something about the project should pass a stricter policy.
 */
export function DEFAULT_RELEASE_MODEL(model: string): boolean {
  return (
    model === 'builtin' ||
    /^(?:ollama|openai|anthropic):[a-z0-9][a-z0-9.-]{0,47}(?::[a-z0-9][a-z0-9.-]{0,23})?$/.test(model)
  );
}

declare const anonymized: unique symbol;
/** A digest the anonymizer built (the network signs and publishes only these). */
export type AnonymizedDigest = Omit<UnsignedDigest, 'peer'> & { readonly [anonymized]: true };

export interface Withheld {
  /** exact n < k ('exact' threshold), or no outcome at all */
  belowK: number;
  /** fewer distinct projects than kProjects */
  fewProjects: number;
  /** context or arm id not releasable (unknown field values, a policy refuses it, junk, duplicates) */
  notReleasable: number;
  /** noised n < k (drawn now or earlier and kept) */
  noisedOut: number;
  /** beyond maxEntries, or beyond maxTracked (not drawn) */
  overCap: number;
}

export type AnonymizeResult =
  | {
      ok: true;
      digest: AnonymizedDigest;
      state: PrivacyState;
      withheld: Withheld;
      /** epsilon this build spent (0 when every entry kept its noise) */
      cost: number;
      /** entries drawn anew */
      redrawn: number;
    }
  | {
      ok: false;
      reason: 'budget-exhausted' | 'epoch-already-published' | 'nothing-to-release';
      /** the state to persist (a build that released nothing may still have drawn and spent) */
      state: PrivacyState;
      withheld?: Withheld;
      cost?: number;
      redrawn?: number;
      /** budget-exhausted: when enough spends will have rolled off for a build that draws */
      resumesAt?: number;
    };

/** What `weavergen peers` and the network stats show of the privacy accounting. */
export interface PrivacySummary {
  epsilon: number;
  delta: number;
  k: number;
  /** distinct projects an entry needs, where the node can count them (several tenants sharing) */
  kProjects: number;
  epochMs: number;
  budgetPerYear: number;
  /** epsilon spent over the last 365 days, and what is left of budgetPerYear */
  spentLastYear: number;
  remaining: number;
  /** lifetime epsilon spent */
  spent: number;
  lastEpoch: number;
  published: number;
  /** entries whose noise is remembered */
  tracked: number;
}

/** The context key rebuilt from its parsed fields, or undefined unless every field is a known value. */
export function releasableContextKey(key: string): string | undefined {
  const m = /^([a-z]+)\|([a-z]+)\|([a-z]+)\|e([01])t([01])d([01])m([01])$/.exec(key);
  if (!m) return undefined;
  const [, lang, gen, size, e, t, d, mm] = m;
  if (!(LANGUAGES as readonly string[]).includes(lang)) return undefined;
  if (!(GENERATORS as readonly string[]).includes(gen)) return undefined;
  if (!(SIZE_BUCKETS as readonly string[]).includes(size)) return undefined;
  return `${lang}|${gen}|${size}|e${e}t${t}d${d}m${mm}`;
}

/** The arm key rebuilt from its parsed parts, or undefined when a part is not releasable. */
export function releasableArmKey(
  key: string,
  releaseModel: (m: string) => boolean = DEFAULT_RELEASE_MODEL,
  releasePack: (packCid: string) => boolean = () => true,
): string | undefined {
  const p = parseArmKey(key);
  if (!p || !releaseModel(p.model) || !releasePack(p.packCid)) return undefined;
  return `${p.packCid}:${p.paramsHash}:${p.model}`;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const ceil2 = (x: number) => Math.ceil(x * 100 - 1e-9) / 100;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const MAX_N = 1_000_000_000;

export const epochOf = (now: number, epochMs: number) => Math.floor(now / epochMs);

/** Same true counts (float sums rebuilt in another order may differ in their last bits). */
const sameTruth = (t: readonly number[], s: ArmStatsLike) =>
  t[0] === s.n &&
  Math.abs(t[1] - s.sumQ) <= 1e-9 * Math.max(1, s.n) &&
  Math.abs(t[2] - s.sumQ2) <= 1e-9 * Math.max(1, s.n);

export interface Anonymizer {
  readonly k: number;
  readonly kProjects: number;
  readonly epsilon: number;
  readonly budgetPerYear: number;
  readonly epochMs: number;
  readonly sticky: boolean;
  readonly threshold: ThresholdMode;
  /** the Laplace scale of every released coordinate: SENSITIVITY / epsilon */
  readonly scale: number;
  /** the delta of the noisy threshold: P(1 + Laplace(scale) >= k - 1/2); 1 with the exact threshold */
  readonly delta: number;
  /** builds this epoch's digest from the statistics, or says why not; never mutates `state` */
  build(stats: readonly ArmStatsLike[], at: { now: number; state: PrivacyState }): AnonymizeResult;
  /** epsilon spent over the 365 days before `now` */
  spentLastYear(state: PrivacyState, now: number): number;
  /** what is left of budgetPerYear at `now` */
  remaining(state: PrivacyState, now: number): number;
  summary(state: PrivacyState, now: number): PrivacySummary;
}

export function createAnonymizer(init: AnonymizerInit = {}): Anonymizer {
  const k = init.k ?? 5;
  const kProjects = init.kProjects ?? 1;
  const epsilon = init.epsilon ?? 1;
  const budgetPerYear = init.budgetPerYear ?? init.lifetimeBudget ?? 365;
  const epochMs = init.epochMs ?? DAY_MS;
  const maxEntries = Math.min(init.maxEntries ?? LIMITS.digestEntries, LIMITS.digestEntries);
  const maxTracked = init.maxTracked ?? 4 * LIMITS.digestEntries;
  const sticky = init.sticky ?? true;
  const threshold = init.threshold ?? 'noisy';
  const random = init.random ?? secureRandom;
  const releaseModel = init.releaseModel ?? DEFAULT_RELEASE_MODEL;
  const releasePack = init.releasePack ?? (() => true);
  const releaseContext = init.releaseContext ?? (() => true);
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be an integer >= 1, got ${k}`);
  if (!(Number.isInteger(kProjects) && kProjects >= 1))
    throw new RangeError(`kProjects must be an integer >= 1, got ${kProjects}`);
  if (!(epsilon > 0 && epsilon <= 100)) throw new RangeError(`epsilon must be in (0, 100], got ${epsilon}`);
  if (!(budgetPerYear >= 0)) throw new RangeError(`budgetPerYear must be >= 0, got ${budgetPerYear}`);
  if (!(epochMs >= 1)) throw new RangeError(`epochMs must be >= 1, got ${epochMs}`);
  if (!(Number.isInteger(maxTracked) && maxTracked >= 1))
    throw new RangeError(`maxTracked must be an integer >= 1, got ${maxTracked}`);
  if (threshold !== 'noisy' && threshold !== 'exact')
    throw new RangeError(`threshold must be 'noisy' or 'exact', got ${threshold}`);
  const scale = SENSITIVITY / epsilon;
  // P(1 + L >= k - 1/2) for L ~ Laplace(scale): an entry of one outcome released at all
  const margin = k - 1.5;
  const delta =
    threshold === 'noisy'
      ? margin >= 0
        ? 0.5 * Math.exp(-margin / scale)
        : 1 - 0.5 * Math.exp(margin / scale)
      : 1;
  const noiseKey = `e${epsilon}:k${k}:${threshold}`;

  const spentLastYear = (state: PrivacyState, now: number) => {
    let sum = 0;
    for (const [t, e] of state.spends ?? []) if (t > now - YEAR_MS) sum += e;
    return sum;
  };
  const remaining = (state: PrivacyState, now: number) =>
    Math.max(0, budgetPerYear - spentLastYear(state, now));
  /** the spends with one more at epoch start `at`: merged per UTC day, older than a year dropped */
  const withSpend = (spends: readonly [number, number][], at: number, now: number): [number, number][] => {
    const kept = spends.filter(([t]) => t > now - YEAR_MS).map(([t, e]) => [t, e] as [number, number]);
    const last = kept.at(-1);
    if (last && Math.floor(last[0] / DAY_MS) === Math.floor(at / DAY_MS) && at >= last[0])
      kept[kept.length - 1] = [at, last[1] + epsilon];
    else kept.push([at, epsilon]);
    return kept;
  };
  /** the first time a build spending epsilon fits the budget again */
  const resumesAt = (state: PrivacyState, now: number) => {
    let spent = spentLastYear(state, now);
    for (const [t, e] of state.spends) {
      if (t <= now - YEAR_MS) continue;
      if (spent + epsilon <= budgetPerYear + 1e-9) break;
      spent -= e;
      if (spent + epsilon <= budgetPerYear + 1e-9) return t + YEAR_MS;
    }
    return undefined;
  };

  function draw(s: ArmStatsLike): [number, number, number] | null {
    const x = s.n + laplace(scale, random);
    // the released n is the rounded noised n: it must reach k (an entry of exactly k outcomes is
    // released more often than not; a cut before rounding withheld half of them)
    if (Math.round(x) < k) return null;
    const n = clamp(Math.round(x), k, MAX_N);
    const sumQ = round2(clamp(s.sumQ + laplace(scale, random), 0, n));
    const sumQ2 = round2(clamp(s.sumQ2 + laplace(scale, random), ceil2((sumQ * sumQ) / n), sumQ));
    return [n, sumQ, sumQ2];
  }

  return {
    k,
    kProjects,
    epsilon,
    budgetPerYear,
    epochMs,
    sticky,
    threshold,
    scale,
    delta,
    spentLastYear,
    remaining,
    summary(raw, now) {
      const state = migratePrivacyState(raw);
      return {
        epsilon,
        delta,
        k,
        kProjects,
        epochMs,
        budgetPerYear,
        spentLastYear: spentLastYear(state, now),
        remaining: remaining(state, now),
        spent: state.spent,
        lastEpoch: state.lastEpoch,
        published: state.published,
        tracked: state.noise.length,
      };
    },
    build(stats, { now, state: given }) {
      const state = migratePrivacyState(given);
      const epoch = epochOf(now, epochMs);
      if (epoch <= state.lastEpoch) return { ok: false, reason: 'epoch-already-published', state: given };
      const withheld: Withheld = { belowK: 0, fewProjects: 0, notReleasable: 0, noisedOut: 0, overCap: 0 };
      const candidates = new Map<string, { s: ArmStatsLike; contextKey: string; armKey: string }>();
      for (const s of stats) {
        if (![s.n, s.sumQ, s.sumQ2].every(Number.isFinite) || s.n < 0) {
          withheld.notReleasable++;
          continue;
        }
        if (s.n < 1 || (threshold === 'exact' && s.n < k)) {
          withheld.belowK++;
          continue;
        }
        if (s.projects !== undefined && !(s.projects >= kProjects)) {
          withheld.fewProjects++;
          continue;
        }
        const ck = releasableContextKey(s.contextKey);
        const contextKey = ck !== undefined && releaseContext(ck) ? ck : undefined;
        const armKey = releasableArmKey(s.armKey, releaseModel, releasePack);
        if (!contextKey || !armKey) {
          withheld.notReleasable++;
          continue;
        }
        // one entry per (context, arm): a duplicate would be a second, unbudgeted release
        const id = `${contextKey}\n${armKey}`;
        if (candidates.has(id)) {
          withheld.notReleasable++;
          continue;
        }
        candidates.set(id, { s, contextKey, armKey });
      }

      // the noise remembered, when it was drawn with these parameters
      const prior = new Map<string, NoiseRecord>();
      if (sticky && state.noiseKey === noiseKey)
        for (const r of state.noise) prior.set(`${r.contextKey}\n${r.armKey}`, r);
      // entries with remembered noise first, then new ones, each in key order: which entries are
      // tracked does not depend on their counts
      const ids = [...candidates.keys()].sort();
      const ordered = [...ids.filter((id) => prior.has(id)), ...ids.filter((id) => !prior.has(id))];
      const tracked = ordered.slice(0, maxTracked).sort();
      withheld.overCap += ordered.length - tracked.length;

      const stale = tracked.filter((id) => {
        const r = prior.get(id);
        return !(r && sameTruth(r.truth, candidates.get(id)!.s));
      });
      const cost = stale.length > 0 ? epsilon : 0;
      if (cost > 0 && spentLastYear(state, now) + cost > budgetPerYear + 1e-9) {
        const when = resumesAt(state, now);
        return {
          ok: false,
          reason: 'budget-exhausted',
          state: given,
          withheld,
          ...(when !== undefined ? { resumesAt: when } : {}),
        };
      }
      const redraw = new Set(stale);
      const noise: NoiseRecord[] = [];
      let entries: DigestEntry[] = [];
      for (const id of tracked) {
        const { s, contextKey, armKey } = candidates.get(id)!;
        const record: NoiseRecord = redraw.has(id)
          ? { contextKey, armKey, truth: [s.n, s.sumQ, s.sumQ2], released: draw(s), epoch }
          : prior.get(id)!;
        noise.push(record);
        if (record.released) {
          const [n, sumQ, sumQ2] = record.released;
          entries.push({ contextKey, armKey, n, sumQ, sumQ2 });
        } else withheld.noisedOut++;
      }
      if (entries.length > maxEntries) {
        withheld.overCap += entries.length - maxEntries;
        // the largest noised n first (ties in key order): post-processing of released values
        entries = sortEntries(entries)
          .sort((a, b) => b.n - a.n)
          .slice(0, maxEntries);
      }
      const epochStart = epoch * epochMs;
      const next: PrivacyState = {
        spent: state.spent + cost,
        lastEpoch: state.lastEpoch,
        published: state.published,
        spends: cost > 0 ? withSpend(state.spends, epochStart, now) : state.spends,
        ...(sticky ? { noiseKey, noise } : { noise: [] }),
      };
      if (entries.length === 0) {
        // a draw that released nothing is remembered (and paid for): drawing again until an entry
        // passes the threshold would be a second chance at it
        return {
          ok: false,
          reason: 'nothing-to-release',
          state: cost > 0 ? next : given,
          withheld,
          cost,
          redrawn: redraw.size,
        };
      }
      const digest = {
        v: DIGEST_VERSION,
        type: 'digest',
        epoch,
        at: epochStart,
        epsilon,
        k,
        entries: sortEntries(entries),
      } as AnonymizedDigest;
      return {
        ok: true,
        digest,
        withheld,
        cost,
        redrawn: redraw.size,
        state: { ...next, lastEpoch: epoch, published: state.published + 1 },
      };
    },
  };
}
