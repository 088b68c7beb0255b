import { LIMITS, WIRE_VERSION } from './ids.js';
import { laplace, secureRandom } from './laplace.js';
import { type DigestEntry, sortEntries, type UnsignedDigest } from './messages.js';
import { parseArmKey } from './wire-strings.js';

/**
 * The anonymizer: the only way a node's learning leaves it. From the arm statistics it keeps the
 * context (re-built from its coarse fields: never a name, path or content) and the arm id (pack
 * content id, params hash, a model id the release policy allows), releases an entry only where
 * n >= k, adds Laplace noise to every count, rounds, and spends epsilon from a lifetime budget:
 * once the budget is spent it refuses to build digests, and it builds at most one per epoch.
 *
 * Privacy unit: one outcome (one candidate's q). It changes one entry by at most 1 in each of n,
 * sumQ, sumQ2 (q and q^2 are in [0, 1]) and successes: L1 sensitivity 4, so each coordinate gets
 * Laplace(4 / epsilon), and each digest costs epsilon (basic composition over digests).
 * Entries whose noised n falls below k are withheld as well (a noisy threshold over the exact one).
 * Pure: no I/O; the budget state goes in and comes out, the caller persists it.
 */

export const LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java'] as const;
export const GENERATORS = ['builtin', 'ollama', 'openai', 'anthropic'] as const;
const SIZE_BUCKETS = ['xs', 's', 'm', 'l', 'xl'] as const;

/** What the anonymizer reads from an arm statistic (node/learning's ArmStats has these and more). */
export interface ArmStatsLike {
  contextKey: string;
  armKey: string;
  n: number;
  sumQ: number;
  sumQ2: number;
  successes: number;
}

export interface AnonymizerInit {
  /** release only (context, arm) pairs with at least k outcomes (default 5) */
  k?: number;
  /** Laplace epsilon spent per digest (default 1) */
  epsilon?: number;
  /** total epsilon a node may ever spend (default 100): no digest once it is spent */
  lifetimeBudget?: number;
  /** epoch length, one digest per epoch (default 24 h) */
  epochMs?: number;
  /** at most this many entries, the largest noised n first (default and hard cap LIMITS.digestEntries) */
  maxEntries?: number;
  /** uniform [0, 1) source for the noise (default: the CSPRNG) */
  random?: () => number;
  /** which model ids may appear in arm ids (default: DEFAULT_RELEASE_MODEL) */
  releaseModel?: (model: string) => boolean;
}

/** The state the caller persists between digests. */
export interface PrivacyState {
  /** epsilon spent so far */
  spent: number;
  /** last epoch a digest was built for, -1 before the first */
  lastEpoch: number;
  /** digests built so far */
  published: number;
}

export const INITIAL_PRIVACY_STATE: PrivacyState = Object.freeze({ spent: 0, lastEpoch: -1, published: 0 });

export const SENSITIVITY = 4;

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
  /** exact n < k */
  belowK: number;
  /** context or arm id not releasable (unknown field values, a model the policy refuses, junk) */
  notReleasable: number;
  /** noised n < k */
  noisedOut: number;
  /** beyond maxEntries */
  overCap: number;
}

export type AnonymizeResult =
  | { ok: true; digest: AnonymizedDigest; state: PrivacyState; withheld: Withheld }
  | {
      ok: false;
      reason: 'budget-exhausted' | 'epoch-already-published' | 'nothing-to-release';
      state: PrivacyState;
      withheld?: Withheld;
    };

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
): string | undefined {
  const p = parseArmKey(key);
  if (!p || !releaseModel(p.model)) return undefined;
  return `${p.packCid}:${p.paramsHash}:${p.model}`;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const ceil2 = (x: number) => Math.ceil(x * 100 - 1e-9) / 100;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export const epochOf = (now: number, epochMs: number) => Math.floor(now / epochMs);

export interface Anonymizer {
  readonly k: number;
  readonly epsilon: number;
  readonly lifetimeBudget: number;
  readonly epochMs: number;
  /** builds this epoch's digest from the statistics, or says why not; never mutates `state` */
  build(stats: readonly ArmStatsLike[], at: { now: number; state: PrivacyState }): AnonymizeResult;
  /** epsilon left in a state */
  remaining(state: PrivacyState): number;
}

export function createAnonymizer(init: AnonymizerInit = {}): Anonymizer {
  const k = init.k ?? 5;
  const epsilon = init.epsilon ?? 1;
  const lifetimeBudget = init.lifetimeBudget ?? 100;
  const epochMs = init.epochMs ?? 24 * 3600_000;
  const maxEntries = Math.min(init.maxEntries ?? LIMITS.digestEntries, LIMITS.digestEntries);
  const random = init.random ?? secureRandom;
  const releaseModel = init.releaseModel ?? DEFAULT_RELEASE_MODEL;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be an integer >= 1, got ${k}`);
  if (!(epsilon > 0 && epsilon <= 100)) throw new RangeError(`epsilon must be in (0, 100], got ${epsilon}`);
  if (!(lifetimeBudget >= 0)) throw new RangeError(`lifetimeBudget must be >= 0, got ${lifetimeBudget}`);
  if (!(epochMs >= 1)) throw new RangeError(`epochMs must be >= 1, got ${epochMs}`);
  const scale = SENSITIVITY / epsilon;
  const remaining = (s: PrivacyState) => Math.max(0, lifetimeBudget - s.spent);

  function noised(s: ArmStatsLike, contextKey: string, armKey: string): DigestEntry | undefined {
    const n = Math.max(0, Math.round(s.n + laplace(scale, random)));
    if (n < k) return undefined;
    const sumQ = round2(clamp(s.sumQ + laplace(scale, random), 0, n));
    const sumQ2 = round2(clamp(s.sumQ2 + laplace(scale, random), ceil2((sumQ * sumQ) / n), sumQ));
    const successes = clamp(Math.round(s.successes + laplace(scale, random)), 0, n);
    return { contextKey, armKey, n, sumQ, sumQ2, successes };
  }

  return {
    k,
    epsilon,
    lifetimeBudget,
    epochMs,
    remaining,
    build(stats, { now, state }) {
      const epoch = epochOf(now, epochMs);
      if (epoch <= state.lastEpoch) return { ok: false, reason: 'epoch-already-published', state };
      if (state.spent + epsilon > lifetimeBudget + 1e-9)
        return { ok: false, reason: 'budget-exhausted', state };
      const withheld: Withheld = { belowK: 0, notReleasable: 0, noisedOut: 0, overCap: 0 };
      const merged = new Map<string, { s: ArmStatsLike; contextKey: string; armKey: string }>();
      for (const s of stats) {
        if (![s.n, s.sumQ, s.sumQ2, s.successes].every(Number.isFinite) || s.n < 0) {
          withheld.notReleasable++;
          continue;
        }
        if (s.n < k) {
          withheld.belowK++;
          continue;
        }
        const contextKey = releasableContextKey(s.contextKey);
        const armKey = releasableArmKey(s.armKey, releaseModel);
        if (!contextKey || !armKey) {
          withheld.notReleasable++;
          continue;
        }
        // one entry per (context, arm): a duplicate would be a second, unbudgeted release
        const id = `${contextKey}\n${armKey}`;
        if (merged.has(id)) {
          withheld.notReleasable++;
          continue;
        }
        merged.set(id, { s, contextKey, armKey });
      }
      let entries: DigestEntry[] = [];
      for (const { s, contextKey, armKey } of merged.values()) {
        const e = noised(s, contextKey, armKey);
        if (e) entries.push(e);
        else withheld.noisedOut++;
      }
      if (entries.length > maxEntries) {
        withheld.overCap = entries.length - maxEntries;
        entries = entries.sort((a, b) => b.n - a.n).slice(0, maxEntries);
      }
      if (entries.length === 0) return { ok: false, reason: 'nothing-to-release', state, withheld };
      const digest = {
        v: WIRE_VERSION,
        type: 'digest',
        epoch,
        at: Math.floor(now / 1000) * 1000,
        epsilon,
        k,
        entries: sortEntries(entries),
      } as AnonymizedDigest;
      return {
        ok: true,
        digest,
        withheld,
        state: { spent: state.spent + epsilon, lastEpoch: epoch, published: state.published + 1 },
      };
    },
  };
}
