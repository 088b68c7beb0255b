import { describe, expect, it } from 'vitest';
import {
  type ArmStatsLike,
  createAnonymizer,
  encodeCanonical,
  INITIAL_PRIVACY_STATE,
  laplace,
  SENSITIVITY,
  sign,
  validateDigest,
} from '../../../protocols/index.js';
import { cidFor, seeded, signer } from './helpers.js';

const CTX = 'typescript|builtin|m|e1t0d0m1';
const arm = (i: number, model = 'builtin') => `${cidFor(`pack-${i}`)}:0123456789ab:${model}`;
const stat = (over: Partial<ArmStatsLike> & { n: number }): ArmStatsLike => ({
  contextKey: CTX,
  armKey: arm(over.n),
  sumQ: over.n * 0.8,
  sumQ2: over.n * 0.7,
  ...over,
});
const T = 1_700_000_000_000;

describe('laplace', () => {
  it('is centred with mean absolute value equal to its scale', () => {
    const random = seeded(1);
    const xs = Array.from({ length: 20_000 }, () => laplace(3, random));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const mad = xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(mad).toBeGreaterThan(2.85);
    expect(mad).toBeLessThan(3.15);
  });
});

describe('anonymizer', () => {
  it('releases only (context, arm) pairs whose noised n reaches k', () => {
    // a huge epsilon makes the noise negligible, so the threshold on the noised n cuts at k
    // (n = k itself is released half the time: its noised n is as likely below k as above)
    const a = createAnonymizer({ k: 5, epsilon: 100, random: seeded(2) });
    const stats = [1, 2, 3, 4, 6, 7, 8, 9, 10].map((n) => stat({ n }));
    const r = a.build(stats, { now: T, state: INITIAL_PRIVACY_STATE });
    if (!r.ok) throw new Error(r.reason);
    expect(r.digest.entries.map((e) => e.armKey).sort()).toEqual([6, 7, 8, 9, 10].map((n) => arm(n)).sort());
    // no cut on the exact n: those four were drawn and fell below k
    expect(r.withheld).toMatchObject({ belowK: 0, noisedOut: 4 });
    // the exact cut (for ablations) withholds them before any noise
    const exact = createAnonymizer({ k: 5, epsilon: 100, threshold: 'exact', random: seeded(2) });
    const x = exact.build(stats, { now: T, state: INITIAL_PRIVACY_STATE });
    expect(x.ok && x.withheld).toMatchObject({ belowK: 4, noisedOut: 0 });
    expect(exact.delta).toBe(1);
  });

  it('with kProjects, withholds an entry fewer distinct projects contributed to; a statistic that does not count projects is not cut', () => {
    const a = createAnonymizer({ k: 5, kProjects: 2, epsilon: 100, random: seeded(3) });
    const one = stat({ n: 40, armKey: arm(1), projects: 1 });
    const two = stat({ n: 40, armKey: arm(2), projects: 2 });
    const three = stat({ n: 40, armKey: arm(3), projects: 3 });
    const uncounted = stat({ n: 40, armKey: arm(4) });
    const r = a.build([one, two, three, uncounted], { now: T, state: INITIAL_PRIVACY_STATE });
    if (!r.ok) throw new Error(r.reason);
    expect(r.digest.entries.map((e) => e.armKey).sort()).toEqual([arm(2), arm(3), arm(4)].sort());
    expect(r.withheld).toMatchObject({ fewProjects: 1, noisedOut: 0 });
    // the count of projects is not sent
    expect(JSON.stringify(r.digest)).not.toContain('projects');
    expect(a.summary(r.state, T)).toMatchObject({ k: 5, kProjects: 2 });
    // the default (1) cuts nothing
    const d = createAnonymizer({ k: 5, epsilon: 100, random: seeded(3) }).build([one], {
      now: T,
      state: INITIAL_PRIVACY_STATE,
    });
    expect(d.ok && d.digest.entries.length).toBe(1);
    expect(() => createAnonymizer({ kProjects: 0 })).toThrow(RangeError);
  });

  it("with threshold 'exact', never releases an entry whose exact n is below k, whatever the noise", () => {
    for (let seed = 0; seed < 200; seed++) {
      const a = createAnonymizer({ k: 5, epsilon: 0.1, threshold: 'exact', random: seeded(seed) });
      const r = a.build([stat({ n: 4 }), stat({ n: 3 }), stat({ n: 50 })], {
        now: T,
        state: INITIAL_PRIVACY_STATE,
      });
      if (r.ok) expect(r.digest.entries.every((e) => e.armKey === arm(50))).toBe(true);
    }
  });

  it('noise scale follows epsilon: mean |noise| = sensitivity / epsilon', () => {
    const madAt = (epsilon: number) => {
      const a = createAnonymizer({ epsilon, k: 1, random: seeded(epsilon * 1000) });
      let sum = 0;
      const N = 600;
      for (let i = 0; i < N; i++) {
        const r = a.build([stat({ n: 10_000, sumQ: 5000, sumQ2: 3000 })], {
          now: T,
          state: INITIAL_PRIVACY_STATE,
        });
        if (!r.ok) throw new Error(r.reason);
        sum += Math.abs(r.digest.entries[0].n - 10_000);
      }
      return sum / N;
    };
    const wide = madAt(0.5);
    const narrow = madAt(2);
    expect(wide).toBeGreaterThan((SENSITIVITY / 0.5) * 0.85);
    expect(wide).toBeLessThan((SENSITIVITY / 0.5) * 1.15);
    expect(narrow).toBeGreaterThan((SENSITIVITY / 2) * 0.8);
    expect(narrow).toBeLessThan((SENSITIVITY / 2) * 1.2);
    expect(wide / narrow).toBeGreaterThan(3);
  });

  it('keeps released counts consistent: integer n >= k, 0 <= sumQ2 <= sumQ <= n', () => {
    const a = createAnonymizer({ epsilon: 0.2, k: 5, random: seeded(9) });
    const r = a.build(
      Array.from({ length: 50 }, (_, i) => stat({ n: 5 + i, armKey: arm(1000 + i) })),
      { now: T, state: INITIAL_PRIVACY_STATE },
    );
    if (!r.ok) throw new Error(r.reason);
    for (const e of r.digest.entries) {
      expect(Number.isInteger(e.n)).toBe(true);
      expect(e.n).toBeGreaterThanOrEqual(5);
      expect(e.sumQ).toBeLessThanOrEqual(e.n);
      expect(e.sumQ2).toBeLessThanOrEqual(e.sumQ);
      expect(e.sumQ2).toBeGreaterThanOrEqual(0);
    }
  });

  it('spends epsilon per digest that draws, once per epoch, and pauses once the year budget is spent', () => {
    const a = createAnonymizer({ epsilon: 1, budgetPerYear: 3, epochMs: 1000, random: seeded(4) });
    let state = INITIAL_PRIVACY_STATE;
    for (let i = 0; i < 3; i++) {
      // the counts change every epoch: every build draws
      const stats = [stat({ n: 100 + i, armKey: arm(100) })];
      const r = a.build(stats, { now: T + i * 1000, state });
      if (!r.ok) throw new Error(r.reason);
      state = r.state;
      const again = a.build(stats, { now: T + i * 1000 + 999, state });
      expect(again).toMatchObject({ ok: false, reason: 'epoch-already-published' });
    }
    expect(state).toMatchObject({ spent: 3, published: 3 });
    expect(a.remaining(state, T + 3000)).toBe(0);
    expect(a.build([stat({ n: 200, armKey: arm(100) })], { now: T + 10_000, state })).toMatchObject({
      ok: false,
      reason: 'budget-exhausted',
      state,
    });
    // nothing drawn (nothing releasable) spends nothing
    const b = createAnonymizer({ epsilon: 1, budgetPerYear: 1 });
    const none = b.build([stat({ n: 0 })], { now: T, state: INITIAL_PRIVACY_STATE });
    expect(none).toMatchObject({ ok: false, reason: 'nothing-to-release', state: INITIAL_PRIVACY_STATE });
  });

  it('a draw that releases nothing is remembered and paid for: no second chance at the threshold', () => {
    const a = createAnonymizer({ epsilon: 1, k: 5, epochMs: 1000, random: seeded(8) });
    const stats = [stat({ n: 1 })];
    // this seed's draw withholds the entry (most do: delta is about 0.13)
    const first = a.build(stats, { now: T, state: INITIAL_PRIVACY_STATE });
    expect(first).toMatchObject({ ok: false, reason: 'nothing-to-release', cost: 1 });
    let state = first.state;
    expect(state.spent).toBe(1);
    expect(state.noise).toHaveLength(1);
    for (let i = 1; i < 200; i++) {
      const r = a.build(stats, { now: T + i * 1000, state });
      expect(r).toMatchObject({ ok: false, reason: 'nothing-to-release', cost: 0 });
      state = r.state;
    }
    expect(state.spent).toBe(1);
  });

  it('applies the release hooks: packs and contexts a policy refuses are not releasable', () => {
    const packOf = (i: number) => cidFor(`pack-${i}`);
    const a = createAnonymizer({
      epsilon: 100,
      releasePack: (cid) => cid !== packOf(51),
      releaseContext: (c) => !c.startsWith('python|'),
    });
    const r = a.build(
      [stat({ n: 50 }), stat({ n: 51 }), stat({ n: 52, contextKey: 'python|builtin|m|e1t0d0m1' })],
      { now: T, state: INITIAL_PRIVACY_STATE },
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.digest.entries.map((e) => e.armKey)).toEqual([arm(50)]);
    expect(r.withheld.notReleasable).toBe(2);
  });

  it('drops ids it cannot vouch for: unknown context values, malformed arms, models the policy refuses', () => {
    const a = createAnonymizer({ epsilon: 100, random: seeded(5) });
    const r = a.build(
      [
        stat({ n: 50 }),
        stat({ n: 51, contextKey: 'cobol|builtin|m|e1t0d0m1' }),
        stat({ n: 52, contextKey: `${CTX}|extra` }),
        stat({ n: 53, armKey: 'my-pack:0123456789ab:builtin' }),
        stat({ n: 54, armKey: `${cidFor('x')}:not-a-hash:builtin` }),
        stat({ n: 55, armKey: arm(55, 'ollama:Acme Billing Model') }),
        stat({ n: 56, armKey: arm(56, 'localhost/model') }),
        stat({ n: Number.NaN }),
      ],
      { now: T, state: INITIAL_PRIVACY_STATE },
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.digest.entries.map((e) => e.armKey)).toEqual([arm(50)]);
    expect(r.withheld.notReleasable).toBe(7);
    // a stricter policy: only the builtin engine
    const strict = createAnonymizer({ epsilon: 100, releaseModel: (m) => m === 'builtin' });
    const s = strict.build([stat({ n: 50 }), stat({ n: 60, armKey: arm(60, 'ollama:acme-billing') })], {
      now: T,
      state: INITIAL_PRIVACY_STATE,
    });
    expect(s.ok && s.digest.entries.map((e) => e.armKey)).toEqual([arm(50)]);
  });

  it('builds digests that pass the wire validator once signed', async () => {
    const s = await signer();
    const a = createAnonymizer({ epsilon: 0.5, random: seeded(6) });
    const r = a.build(
      Array.from({ length: 300 }, (_, i) => stat({ n: 10 + i, armKey: arm(i) })),
      { now: T, state: INITIAL_PRIVACY_STATE },
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.digest.entries.length).toBeLessThanOrEqual(256);
    const signed = await sign('digest', { ...r.digest, peer: s.id }, s.key);
    expect((await validateDigest(encodeCanonical(signed), { now: T })).action).toBe('accept');
  });
});
