import type { Store } from '../storage/index.js';
import type { CandidateOutcome } from './features.js';

/** Sufficient statistics of an arm in a context (DESIGN.md): enough for a mean, a variance and a rate. */
export interface ArmStats {
  contextKey: string;
  armKey: string;
  packId: string;
  packName: string;
  params: Record<string, string>;
  paramsHash: string;
  model: string;
  n: number;
  sumQ: number;
  sumQ2: number;
  /** outcomes with q >= the success threshold */
  successes: number;
  compileFailures: number;
  /**
   * Outcomes whose span carried a cost, and their sums (absent on statistics recorded before costs
   * were kept): a model arm's price per candidate in this context, a template arm's zero.
   */
  costN?: number;
  sumCostUsd?: number;
  sumInputTokens?: number;
  sumOutputTokens?: number;
  firstAt: number;
  lastAt: number;
  /** the latest candidate span ids, the evidence behind decisions (the form decision records use) */
  evidence: string[];
}

export const EVIDENCE_KEPT = 32;

/**
 * Key layout in the 'arms' sublevel. `o!` records are the ingested outcomes in time order; a
 * record's presence is also what makes ingesting the same span twice a no-op.
 */
export const statsKey = (contextKey: string, armKey: string) => `s!${contextKey}!${armKey}`;
export const outcomeKey = (o: Pick<CandidateOutcome, 'at' | 'traceId' | 'spanId'>) =>
  `o!${Math.max(0, Math.floor(o.at)).toString().padStart(15, '0')}!${o.traceId}!${o.spanId}`;

export interface ArmStatsTable {
  /**
   * Adds the outcomes not seen before, atomically with their dedup records; returns those added and
   * the version this add brought the table to (it was `version - added.length` before).
   */
  add(
    outcomes: CandidateOutcome[],
  ): Promise<{ added: CandidateOutcome[]; duplicates: number; version: number }>;
  forContext(contextKey: string): Promise<ArmStats[]>;
  all(): Promise<ArmStats[]>;
  /** Ingested outcomes, newest first. */
  outcomes(limit?: number): Promise<CandidateOutcome[]>;
  /** How many outcomes were added since the process started (a cheap change counter). */
  readonly version: number;
}

/**
 * Per-(context, arm) statistics, updated incrementally and persisted in LevelDB. Reads come from an
 * in-memory copy loaded once (a node owns its store); writes go to LevelDB first, then the copy.
 * Adds are serialized, so concurrent ingests never lose an update.
 */
export function createArmStatsTable(store: Store, successThreshold: number): ArmStatsTable {
  let cache: Map<string, ArmStats> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let version = 0;

  const load = async () => {
    if (!cache) {
      const rows = await store.scan<ArmStats>('arms', { prefix: 's!' });
      cache ??= new Map(rows.map(([k, v]) => [k, v]));
    }
    return cache;
  };

  async function addNow(outcomes: CandidateOutcome[]) {
    const stats = await load();
    const unique = new Map<string, CandidateOutcome>();
    for (const o of outcomes) {
      const key = outcomeKey(o);
      if (!unique.has(key)) unique.set(key, o);
    }
    // one read for the whole batch: an outcome already recorded is a duplicate
    const keys = [...unique.keys()];
    const seen = await store.getMany('arms', keys, { values: 'raw' });
    const fresh = keys.filter((_, i) => seen[i] === undefined).map((k) => unique.get(k) as CandidateOutcome);
    const touched = new Map<string, ArmStats>();
    for (const o of fresh) {
      const key = statsKey(o.contextKey, o.arm.key);
      const prev = touched.get(key) ?? stats.get(key);
      touched.set(key, accumulate(prev, o, successThreshold));
    }
    await store.batch([
      ...fresh.map((o) => ({
        type: 'put' as const,
        sublevel: 'arms' as const,
        key: outcomeKey(o),
        value: o,
      })),
      ...[...touched].map(([key, value]) => ({
        type: 'put' as const,
        sublevel: 'arms' as const,
        key,
        value,
      })),
    ]);
    for (const [k, v] of touched) stats.set(k, v);
    version += fresh.length;
    return { added: fresh, duplicates: outcomes.length - fresh.length, version };
  }

  return {
    add(outcomes) {
      const run = queue.then(() => addNow(outcomes));
      queue = run.catch(() => undefined);
      return run;
    },
    async forContext(contextKey) {
      const prefix = statsKey(contextKey, '');
      return [...(await load())].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
    },
    async all() {
      return [...(await load()).values()];
    },
    async outcomes(limit = 20_000) {
      return (await store.scan<CandidateOutcome>('arms', { prefix: 'o!', reverse: true, limit })).map(
        ([, v]) => v,
      );
    },
    get version() {
      return version;
    },
  };
}

/** One more observation of an arm (a new record: the cached one is never mutated). */
export function accumulate(
  prev: ArmStats | undefined,
  o: CandidateOutcome,
  successThreshold: number,
): ArmStats {
  const base: ArmStats = prev ?? {
    contextKey: o.contextKey,
    armKey: o.arm.key,
    packId: o.arm.packId,
    packName: o.arm.packName,
    params: o.arm.params,
    paramsHash: o.arm.paramsHash,
    model: o.arm.model,
    n: 0,
    sumQ: 0,
    sumQ2: 0,
    successes: 0,
    compileFailures: 0,
    firstAt: o.at,
    lastAt: o.at,
    evidence: [],
  };
  return {
    ...base,
    n: base.n + 1,
    sumQ: base.sumQ + o.q,
    sumQ2: base.sumQ2 + o.q * o.q,
    successes: base.successes + (o.q >= successThreshold ? 1 : 0),
    compileFailures: base.compileFailures + (o.compiled === 0 ? 1 : 0),
    ...(o.usage || base.costN
      ? {
          costN: (base.costN ?? 0) + (o.usage ? 1 : 0),
          sumCostUsd: (base.sumCostUsd ?? 0) + (o.usage?.costUsd ?? 0),
          sumInputTokens: (base.sumInputTokens ?? 0) + (o.usage?.inputTokens ?? 0),
          sumOutputTokens: (base.sumOutputTokens ?? 0) + (o.usage?.outputTokens ?? 0),
        }
      : {}),
    firstAt: Math.min(base.firstAt, o.at),
    lastAt: Math.max(base.lastAt, o.at),
    evidence: [...base.evidence, o.spanId].slice(-EVIDENCE_KEPT),
  };
}

/**
 * Quality per unit cost: the arm's mean q over what one of its candidates cost (USD); undefined when
 * its outcomes carried no cost or cost nothing (a builtin pack: no price to divide by).
 */
export const qualityPerUsd = (meanQ: number, costUsd: number | undefined): number | undefined =>
  costUsd !== undefined && costUsd > 0 ? meanQ / costUsd : undefined;
export const meanOf = (s: Pick<ArmStats, 'n' | 'sumQ'>) => (s.n === 0 ? 0 : s.sumQ / s.n);
/** Mean cost in USD per candidate, when any outcome carried one. */
export const costOf = (s: Pick<ArmStats, 'costN' | 'sumCostUsd'>) =>
  s.costN ? (s.sumCostUsd ?? 0) / s.costN : undefined;
export const sdOf = (s: Pick<ArmStats, 'n' | 'sumQ' | 'sumQ2'>) =>
  s.n < 2 ? 0 : Math.sqrt(Math.max(0, (s.sumQ2 - (s.sumQ * s.sumQ) / s.n) / (s.n - 1)));
