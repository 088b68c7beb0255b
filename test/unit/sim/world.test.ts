import { describe, expect, it } from 'vitest';
import { releasableArmKey, releasableContextKey } from '../../../protocols/index.js';
import { sybilLies } from '../../../sim/peer.js';
import { describeWorld, drawProject, drawSimWorld, projectTraffic } from '../../../sim/world.js';

describe('the simulation world', () => {
  it('is drawn from its seed, with community and bad arms the anonymizer can release', async () => {
    const a = await drawSimWorld(1);
    const b = await drawSimWorld(1);
    expect(a.contexts.map((c) => [c.key, c.best.key])).toEqual(b.contexts.map((c) => [c.key, c.best.key]));
    for (const c of a.contexts) {
      expect(releasableContextKey(c.key)).toBe(c.key);
      const kinds = new Set(c.arms.map((x) => a.kinds.get(x.key)));
      expect([...kinds].sort()).toEqual(['bad', 'builtin', 'community']);
      for (const arm of c.arms) {
        expect(releasableArmKey(arm.key)).toBe(arm.key);
        expect(c.hidden.get(arm.key)).toBeDefined();
      }
      // the incumbent chooseArms takes is the built-in pack's defaults: the first default arm
      expect(a.kinds.get(c.arms.find((x) => x.isDefault)?.key ?? '')).toBe('builtin');
      const q = (k: string) => c.hidden.get(k)?.q ?? 0;
      for (const x of c.arms) expect(q(c.best.key)).toBeGreaterThanOrEqual(q(x.key));
    }
  });

  it('has community packs better than the defaults somewhere and broken elsewhere', async () => {
    const ds = await Promise.all([1, 2, 3].map(async (s) => describeWorld(await drawSimWorld(s))));
    expect(ds.reduce((n, d) => n + d.communityBetterThanDefaults, 0)).toBeGreaterThan(0);
    expect(ds.reduce((n, d) => n + d.communityBroken, 0)).toBeGreaterThan(0);
    expect(ds.reduce((n, d) => n + d.communityBest, 0)).toBeGreaterThan(0);
  });

  it('gives each project 1-4 distinct contexts and a traffic over them only', async () => {
    const w = await drawSimWorld(2);
    for (let i = 0; i < 20; i++) {
      const p = drawProject(w, i);
      expect(p.contexts.length).toBeGreaterThanOrEqual(1);
      expect(p.contexts.length).toBeLessThanOrEqual(4);
      expect(new Set(p.contexts).size).toBe(p.contexts.length);
      expect(new Set(projectTraffic(w, p, i, 50)).size).toBeLessThanOrEqual(p.contexts.length);
      for (const c of projectTraffic(w, p, i, 50)) expect(p.contexts).toContain(c);
    }
  });

  it('makes sybils praise the bad pack and run down the best arms', async () => {
    const w = await drawSimWorld(3);
    const lies = sybilLies(w);
    for (const c of w.contexts) {
      const mine = lies.filter((s) => s.contextKey === c.key);
      const bad = mine.filter((s) => w.kinds.get(s.armKey) === 'bad');
      expect(bad.length).toBeGreaterThan(0);
      for (const s of bad) expect(s.sumQ / s.n).toBeCloseTo(0.97, 12);
      const best = mine.find((s) => s.armKey === c.best.key);
      if (w.kinds.get(c.best.key) !== 'bad') expect((best?.sumQ ?? 0) / (best?.n ?? 1)).toBeCloseTo(0.35, 12);
    }
  });
});
