import { describe, expect, it } from 'vitest';
import {
  type ArmStatsLike,
  createAnonymizer,
  Digest,
  decodeMessage,
  encodeCanonical,
  INITIAL_PRIVACY_STATE,
  LIMITS,
  migratePrivacyState,
  type PrivacyState,
  SENSITIVITY,
  sign,
  validateDigest,
} from '../../../protocols/index.js';
import { cidFor, seeded, signer, unsignedDigest } from './helpers.js';

/**
 * Privacy accounting that lasts: sticky noise (an unchanged entry keeps its noised values, so
 * averaging digests learns nothing more and costs nothing), one epsilon per epoch with changes, a
 * noisy threshold with its delta, digests dated with their epoch, and a budget per rolling year.
 */
const CTX = 'typescript|builtin|m|e1t0d0m1';
const DAY_MS = 24 * 3600_000;
const arm = (i: number) => `${cidFor(`pack-${i}`)}:0123456789ab:builtin`;
const stat = (i: number, n: number, q = 0.8): ArmStatsLike => ({
  contextKey: CTX,
  armKey: arm(i),
  n,
  sumQ: n * q,
  sumQ2: n * q * q + n * 0.01,
});
/** a day boundary (epochs of 24 h start at UTC midnight), plus an hour */
const D0 = 19_700;
const dayAt = (d: number) => (D0 + d) * DAY_MS + 3600_000;

describe('sticky noise: the averaging attack', () => {
  it('1000 digests of unchanged counts over 1000 epochs release the first noised values and spend one epsilon', () => {
    const a = createAnonymizer({ epsilon: 1, k: 5, epochMs: DAY_MS, random: seeded(25) });
    const stats = [stat(1, 20), stat(2, 300, 0.6)];
    let state: PrivacyState = INITIAL_PRIVACY_STATE;
    const released: number[] = [];
    let first: number | undefined;
    let costs = 0;
    for (let i = 0; i < 1000; i++) {
      const r = a.build(stats, { now: dayAt(i), state });
      if (!r.ok) throw new Error(`epoch ${i}: ${r.reason}`);
      state = r.state;
      costs += r.cost;
      const e = r.digest.entries.find((x) => x.armKey === arm(1));
      if (!e) throw new Error('the entry was not released');
      first ??= e.n;
      released.push(e.n);
    }
    const mean = released.reduce((x, y) => x + y, 0) / released.length;
    expect(mean).toBe(first);
    expect(new Set(released).size).toBe(1);
    // the noise did not go away: the first draw differs from the truth for this seed
    expect(first).not.toBe(20);
    expect(costs).toBe(1);
    expect(state.spent).toBe(1);
    expect(state.published).toBe(1000);
  });

  it('without sticky noise (the ablation) the average converges to the true n and every digest spends', () => {
    const a = createAnonymizer({
      epsilon: 1,
      epochMs: DAY_MS,
      sticky: false,
      budgetPerYear: 10_000,
      random: seeded(11),
    });
    const stats = [stat(1, 40)];
    let state: PrivacyState = INITIAL_PRIVACY_STATE;
    const released: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const r = a.build(stats, { now: dayAt(i), state });
      if (!r.ok) throw new Error(r.reason);
      state = r.state;
      released.push(r.digest.entries[0].n);
    }
    const mean = released.reduce((x, y) => x + y, 0) / released.length;
    expect(Math.abs(mean - 40)).toBeLessThan(0.5);
    expect(state.spent).toBe(1000);
    expect(state.noise).toEqual([]);
  });
});

describe('a change in the true counts', () => {
  it('draws fresh noise for the entries that changed only, and spends epsilon once per epoch', () => {
    const a = createAnonymizer({ epsilon: 0.5, epochMs: DAY_MS, random: seeded(12) });
    const entries = (r: ReturnType<typeof a.build>) => {
      if (!r.ok) throw new Error(r.reason);
      return new Map(r.digest.entries.map((e) => [e.armKey, e]));
    };
    const s0 = [stat(1, 40), stat(2, 60), stat(3, 80), stat(4, 100)];
    const r0 = a.build(s0, { now: dayAt(0), state: INITIAL_PRIVACY_STATE });
    expect(r0).toMatchObject({ ok: true, cost: 0.5, redrawn: 4 });
    const e0 = entries(r0);

    // one outcome more on arm 2
    const s1 = [stat(1, 40), stat(2, 61), stat(3, 80), stat(4, 100)];
    const r1 = a.build(s1, { now: dayAt(1), state: r0.state });
    expect(r1).toMatchObject({ ok: true, cost: 0.5, redrawn: 1 });
    const e1 = entries(r1);
    for (const i of [1, 3, 4]) expect(e1.get(arm(i))).toEqual(e0.get(arm(i)));
    expect(e1.get(arm(2))).not.toEqual(e0.get(arm(2)));
    expect(r1.state.spent).toBe(1);

    // outcomes on three entries in one epoch: still one epsilon (each outcome is in one entry)
    const s2 = [stat(1, 45), stat(2, 61), stat(3, 90), stat(4, 101)];
    const r2 = a.build(s2, { now: dayAt(2), state: r1.state });
    expect(r2).toMatchObject({ ok: true, cost: 0.5, redrawn: 3 });
    expect(entries(r2).get(arm(2))).toEqual(e1.get(arm(2)));
    expect(r2.state.spent).toBe(1.5);

    // nothing changed: nothing drawn, nothing spent, the same values again
    const r3 = a.build(s2, { now: dayAt(3), state: r2.state });
    expect(r3).toMatchObject({ ok: true, cost: 0, redrawn: 0 });
    expect([...entries(r3).values()]).toEqual([...entries(r2).values()]);
    expect(r3.state.spent).toBe(1.5);
    expect(a.spentLastYear(r3.state, dayAt(3))).toBe(1.5);

    // an entry that appears is drawn; one that goes is forgotten
    const r4 = a.build([...s2.slice(1), stat(5, 30)], { now: dayAt(4), state: r3.state });
    expect(r4).toMatchObject({ ok: true, cost: 0.5, redrawn: 1 });
    expect(r4.state.noise.map((x) => x.armKey).sort()).toEqual([2, 3, 4, 5].map(arm).sort());
  });

  it('noise drawn with other parameters (epsilon, k, threshold) is not reused', () => {
    const stats = [stat(1, 50)];
    const a = createAnonymizer({ epsilon: 1, epochMs: DAY_MS, random: seeded(13) });
    const r0 = a.build(stats, { now: dayAt(0), state: INITIAL_PRIVACY_STATE });
    const b = createAnonymizer({ epsilon: 2, epochMs: DAY_MS, random: seeded(14) });
    const r1 = b.build(stats, { now: dayAt(1), state: r0.state });
    expect(r1).toMatchObject({ ok: true, cost: 2, redrawn: 1 });
  });

  it('bounds the noise it remembers: entries past maxTracked are neither drawn nor released', () => {
    const a = createAnonymizer({ epsilon: 100, maxTracked: 3, epochMs: DAY_MS, random: seeded(15) });
    const stats = Array.from({ length: 5 }, (_, i) => stat(i, 50 + i));
    const r = a.build(stats, { now: dayAt(0), state: INITIAL_PRIVACY_STATE });
    if (!r.ok) throw new Error(r.reason);
    expect(r.state.noise).toHaveLength(3);
    expect(r.digest.entries).toHaveLength(3);
    expect(r.withheld.overCap).toBe(2);
    // the tracked ones keep their place (and their noise) when a new entry appears
    const r1 = a.build([stat(99, 500), ...stats], { now: dayAt(1), state: r.state });
    expect(r1).toMatchObject({ ok: true, cost: 0, redrawn: 0 });
  });
});

describe('the wire', () => {
  it('carries no successes: entries are (contextKey, armKey, n, sumQ, sumQ2) and version 1 digests are refused', async () => {
    const s = await signer();
    const a = createAnonymizer({ epsilon: 1, random: seeded(16) });
    const withSuccesses = { ...stat(1, 50), successes: 31 } as ArmStatsLike;
    const r = a.build([withSuccesses], { now: dayAt(0), state: INITIAL_PRIVACY_STATE });
    if (!r.ok) throw new Error(r.reason);
    for (const e of r.digest.entries)
      expect(Object.keys(e).sort()).toEqual(['armKey', 'contextKey', 'n', 'sumQ', 'sumQ2']);
    const bytes = encodeCanonical(await sign('digest', { ...r.digest, peer: s.id }, s.key));
    expect(new TextDecoder().decode(bytes)).not.toContain('successes');
    expect((await validateDigest(bytes, { now: dayAt(0) })).action).toBe('accept');
    // an entry with successes is malformed; a digest of the old version is refused by version
    const old = unsignedDigest(s.id);
    const withField = { ...old, entries: old.entries.map((e) => ({ ...e, successes: 1 })) };
    expect(decodeMessage(Digest, encodeCanonical(withField), LIMITS.digestBytes)).toMatchObject({
      action: 'reject',
      reason: 'malformed',
    });
    expect(
      await validateDigest(encodeCanonical(await sign('digest', { ...withField, v: 1 }, s.key)), {
        now: old.at,
      }),
    ).toMatchObject({ action: 'reject', reason: 'wrong-version' });
  });

  it('noise scale is SENSITIVITY / epsilon with SENSITIVITY 3 (n, sumQ, sumQ2)', () => {
    expect(SENSITIVITY).toBe(3);
    expect(createAnonymizer({ epsilon: 0.5 }).scale).toBe(6);
  });

  it('dates a digest with the start of its epoch, not when it was built', () => {
    const epochMs = 6 * 3600_000;
    const a = createAnonymizer({ epsilon: 1, epochMs, random: seeded(17) });
    const early = 1_700_000_000_000 - (1_700_000_000_000 % epochMs) + 1234;
    const late = early + epochMs - 5000;
    for (const now of [early, late]) {
      const r = a.build([stat(1, 50)], { now, state: INITIAL_PRIVACY_STATE });
      if (!r.ok) throw new Error(r.reason);
      expect(r.digest.at).toBe(Math.floor(now / epochMs) * epochMs);
      expect(r.digest.at).toBe(r.digest.epoch * epochMs);
      expect(r.digest.at).not.toBe(now);
    }
  });
});

describe('the noisy threshold', () => {
  it('releases an entry with one outcome with probability delta = 0.5 exp(-(k - 3/2) / scale)', () => {
    const a = createAnonymizer({ epsilon: 1, k: 5, random: seeded(18) });
    expect(a.delta).toBeCloseTo(0.5 * Math.exp(-3.5 / 3), 12);
    const N = 20_000;
    let released = 0;
    for (let i = 0; i < N; i++) {
      const r = a.build([stat(1, 1)], { now: dayAt(0), state: INITIAL_PRIVACY_STATE });
      if (r.ok) {
        released++;
        // what is released is the noised n, at least k
        expect(r.digest.entries[0].n).toBeGreaterThanOrEqual(5);
      }
    }
    const p = released / N;
    const sd = Math.sqrt((a.delta * (1 - a.delta)) / N);
    expect(Math.abs(p - a.delta)).toBeLessThan(4 * sd);
    // a smaller delta with a larger k
    expect(createAnonymizer({ epsilon: 1, k: 10 }).delta).toBeLessThan(a.delta / 5);
  });
});

describe('the budget per rolling year', () => {
  it('a node whose counts change every day for two years pauses and resumes, never stops for good', () => {
    const a = createAnonymizer({ epsilon: 1, budgetPerYear: 100, epochMs: DAY_MS, random: seeded(19) });
    let state: PrivacyState = INITIAL_PRIVACY_STATE;
    const published: number[] = [];
    for (let d = 0; d < 730; d++) {
      const now = dayAt(d);
      const before = a.spentLastYear(state, now);
      expect(a.remaining(state, now)).toBe(Math.max(0, 100 - before));
      const r = a.build([stat(1, 50 + d)], { now, state });
      if (r.ok) {
        published.push(d);
        expect(r.cost).toBe(1);
        expect(a.spentLastYear(r.state, now)).toBe(before + 1);
        state = r.state;
      } else {
        expect(r.reason).toBe('budget-exhausted');
        expect(before).toBe(100);
        // the spend of day (d - 365 + 1) or later rolls off first
        expect(r.resumesAt).toBeGreaterThan(now);
        expect(r.resumesAt).toBeLessThanOrEqual(now + 365 * DAY_MS);
      }
      expect(a.spentLastYear(state, now)).toBeLessThanOrEqual(100);
      expect(state.spends.length).toBeLessThanOrEqual(366);
    }
    const days = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    expect(published).toEqual([...days(0, 100), ...days(365, 465)]);
    expect(state.spent).toBe(200);
    // the pause on day 100 ends when the spend of day 0 is a year old
    const paused = a.build([stat(1, 1000)], { now: dayAt(100), state: INITIAL_PRIVACY_STATE });
    expect(paused.ok).toBe(true);
    expect(a.spentLastYear(state, dayAt(729))).toBe(100);
    expect(a.spentLastYear(state, dayAt(465 + 365))).toBe(0);
    expect(a.remaining(state, dayAt(465 + 365))).toBe(100);
  });

  it('tells when a paused node resumes', () => {
    const a = createAnonymizer({ epsilon: 1, budgetPerYear: 2, epochMs: DAY_MS, random: seeded(20) });
    let state: PrivacyState = INITIAL_PRIVACY_STATE;
    for (const d of [0, 10]) {
      const r = a.build([stat(1, 50 + d)], { now: dayAt(d), state });
      if (!r.ok) throw new Error(r.reason);
      state = r.state;
    }
    const r = a.build([stat(1, 99)], { now: dayAt(20), state });
    expect(r).toMatchObject({ ok: false, reason: 'budget-exhausted', resumesAt: (D0 + 365) * DAY_MS });
    const back = a.build([stat(1, 99)], { now: (D0 + 365) * DAY_MS, state });
    expect(back.ok).toBe(true);
  });

  it('with the defaults (365 a year, epsilon 1) a node changing every day never pauses', () => {
    const a = createAnonymizer({ random: seeded(21) });
    expect(a).toMatchObject({
      budgetPerYear: 365,
      epsilon: 1,
      epochMs: DAY_MS,
      sticky: true,
      threshold: 'noisy',
    });
    let state: PrivacyState = INITIAL_PRIVACY_STATE;
    for (let d = 0; d < 730; d++) {
      const r = a.build([stat(1, 50 + d)], { now: dayAt(d), state });
      if (!r.ok) throw new Error(`day ${d}: ${r.reason}`);
      state = r.state;
    }
    expect(state.spent).toBe(730);
    expect(a.spentLastYear(state, dayAt(729))).toBe(365);
  });

  it('spends of several epochs in a day are merged: at most one record a day', () => {
    const a = createAnonymizer({ epsilon: 0.25, epochMs: 3600_000, random: seeded(22) });
    let state: PrivacyState = INITIAL_PRIVACY_STATE;
    for (let h = 0; h < 72; h++) {
      const r = a.build([stat(1, 500 + h)], { now: D0 * DAY_MS + h * 3600_000, state });
      if (!r.ok) throw new Error(r.reason);
      state = r.state;
    }
    expect(state.spends).toHaveLength(3);
    expect(state.spends.map(([, e]) => e)).toEqual([6, 6, 6]);
    // a merged record is dated with its latest spend, so it rolls off no earlier than that spend
    expect(state.spends[0][0]).toBe(D0 * DAY_MS + 23 * 3600_000);
  });
});

describe('stored states', () => {
  it('a state of the old shape ({spent, lastEpoch, published}) loads and builds', () => {
    const old = { spent: 7, lastEpoch: 3, published: 3 } as unknown as PrivacyState;
    const a = createAnonymizer({ epsilon: 1, epochMs: DAY_MS, random: seeded(23) });
    expect(migratePrivacyState(old)).toEqual({ spent: 7, lastEpoch: 3, published: 3, spends: [], noise: [] });
    // its undated spends do not count against this year
    expect(a.spentLastYear(old, dayAt(0))).toBe(0);
    expect(a.remaining(old, dayAt(0))).toBe(365);
    expect(a.summary(old, dayAt(0))).toMatchObject({
      spent: 7,
      spentLastYear: 0,
      remaining: 365,
      tracked: 0,
    });
    const r = a.build([stat(1, 50)], { now: dayAt(0), state: old });
    if (!r.ok) throw new Error(r.reason);
    expect(r.state).toMatchObject({ spent: 8, published: 4, lastEpoch: D0 });
    expect(r.state.spends).toEqual([[D0 * DAY_MS, 1]]);
    // damaged or missing states read as empty
    for (const junk of [undefined, null, 42, 'x', { spent: -1, spends: 'no', noise: [{ armKey: 1 }] }])
      expect(migratePrivacyState(junk)).toEqual({
        spent: 0,
        lastEpoch: -1,
        published: 0,
        spends: [],
        noise: [],
      });
    expect(
      createAnonymizer().build([stat(1, 50)], { now: dayAt(0), state: null as unknown as PrivacyState }).ok,
    ).toBe(true);
  });

  it('a state survives a JSON round trip (the store) with its noise', () => {
    const a = createAnonymizer({ epsilon: 1, epochMs: DAY_MS, random: seeded(24) });
    const r0 = a.build([stat(1, 50)], { now: dayAt(0), state: INITIAL_PRIVACY_STATE });
    if (!r0.ok) throw new Error(r0.reason);
    const stored = migratePrivacyState(JSON.parse(JSON.stringify(r0.state)));
    const r1 = a.build([stat(1, 50)], { now: dayAt(1), state: stored });
    expect(r1).toMatchObject({ ok: true, cost: 0 });
    expect(r1.ok && r1.digest.entries).toEqual(r0.digest.entries);
  });
});
