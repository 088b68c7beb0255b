import { describe, expect, it } from 'vitest';
import { drawWorld } from '../../../bench/learning-world.js';
import { releaseModel, WINDOW_DAYS } from '../../../bench/privacy.js';
import {
  ALL_FEATURES,
  averagingAttack,
  LINK_FEATURES,
  type LinkTarget,
  linkingAuc,
  segmentFeatures,
} from '../../../bench/privacy-attacks.js';
import { DAY_MS, drawProject, simulateOutcomes, T0 } from '../../../bench/privacy-projects.js';
import {
  type PrivacySettings,
  publishMoments,
  type Release,
  replay,
  type Stream,
} from '../../../bench/privacy-stream.js';
import { seededRandom } from '../../../node/optimizer/random.js';
import { createAnonymizer } from '../../../protocols/index.js';
import { laplace } from '../../../protocols/laplace.js';

const MINUTE = 60_000;
const FEATURES = [...Object.keys(LINK_FEATURES), ALL_FEATURES];

/** Today's schedule with (almost) no noise: epsilon 100 gives Laplace scale 0.03, which rounding removes. */
const NO_NOISE: PrivacySettings = {
  name: 'no noise',
  text: 'epsilon 100',
  anonymizer: (random) =>
    createAnonymizer({
      k: 5,
      epsilon: 100,
      epochMs: 10 * MINUTE,
      budgetPerYear: 1e6,
      sticky: false,
      threshold: 'exact',
      random,
      releaseModel,
    }),
  schedule: 'interval',
  at: 'build',
};

async function simulated(settings: PrivacySettings, count = 10, seed = 1): Promise<Stream[]> {
  const world = await drawWorld(seed, 10);
  return Array.from({ length: count }, (_, i) => {
    const p = drawProject(world, i, seed * 100 + i, 14);
    return replay(p, simulateOutcomes(world, p, 14), settings, seed * 1000 + i);
  });
}

const targets = (streams: Stream[]): LinkTarget[] =>
  streams.map((s) => ({
    before: segmentFeatures(s, s.keyChangeAt - WINDOW_DAYS * DAY_MS, s.keyChangeAt),
    after: segmentFeatures(s, s.keyChangeAt, s.keyChangeAt + WINDOW_DAYS * DAY_MS),
  }));

/** A stream of `days` days with `perDay` releases a day of entries whose exact n never changes. */
function constantStream(noise: (n: number) => number, days: number, perDay: number, entries = 40): Stream {
  const names = Array.from({ length: entries }, (_, i) => `typescript|builtin|m|e0t0d0m0\narm-${i}`);
  const truth = names.map((_, i) => 20 + 3 * i);
  const releases: Release[] = [];
  for (let d = 0; d < days; d++)
    for (let j = 0; j < perDay; j++) {
      const at = T0 + d * DAY_MS + Math.floor((j * DAY_MS) / perDay);
      releases.push({
        at,
        builtAt: at,
        epoch: releases.length,
        ids: names.map((_, i) => i),
        n: truth.map(noise),
        truth,
      });
    }
  return { names, releases, epochMs: DAY_MS / perDay, scale: 4, spent: 0, keyChangeAt: T0 };
}

describe('the privacy bench attacks', () => {
  it('recover every count from a release without noise, through the real anonymizer', async () => {
    const streams = await simulated(NO_NOISE, 4);
    let scored = 0;
    for (const s of streams) {
      const r = averagingAttack(s);
      expect(r.oneDay.exact).toBe(r.oneDay.total);
      expect(r.allDays.exact).toBe(r.allDays.total);
      expect(r.oracle.exact).toBe(r.oracle.total);
      scored += r.oneDay.total + r.allDays.total;
    }
    expect(scored).toBeGreaterThan(20);
  });

  it('average fresh noise away: one day of 144 draws at scale 4 rounds to the exact n about 71% of the time, one draw about 12%', () => {
    const random = seededRandom(7);
    const fresh = averagingAttack(constantStream((n) => Math.round(n + laplace(4, random)), 1, 144, 400));
    expect(fresh.oneDay.total).toBe(400);
    expect(fresh.oneDay.exact / fresh.oneDay.total).toBeGreaterThan(0.62);
    expect(fresh.oneDay.exact / fresh.oneDay.total).toBeLessThan(0.8);
    // a week of the same: the oracle run is the whole week (1008 draws) and nearly every count comes
    // out; the attacker's run of agreeing days is most of it (its 2-sd test splits some weeks)
    const week = averagingAttack(constantStream((n) => Math.round(n + laplace(4, random)), 7, 144, 400));
    expect(week.oracle.exact / week.oracle.total).toBeGreaterThan(0.97);
    expect(week.allDays.exact / week.allDays.total).toBeGreaterThan(0.85);
    const once = averagingAttack(constantStream((n) => Math.round(n + laplace(4, random)), 1, 1, 400));
    expect(once.oneDay.exact / once.oneDay.total).toBeLessThan(0.2);
  });

  it('link every project across its key change when nothing is noised', async () => {
    const t = targets(await simulated(NO_NOISE, 10));
    const { auc, pairs } = linkingAuc(t, ALL_FEATURES);
    expect(pairs).toBeGreaterThan(40);
    expect(auc).toBeGreaterThan(0.95);
    expect(linkingAuc(t, 'n levels').auc).toBeGreaterThan(0.95);
  });

  it('do no better than chance on streams that say nothing about their project', () => {
    const random = seededRandom(3);
    const pool = Array.from({ length: 30 }, (_, i) => `go|builtin|s|e1t0d0m1\narm-${i}`);
    const randomStream = (): Stream => {
      const releases: Release[] = [];
      for (let j = 0; j < 40; j++) {
        const ids = pool.map((_, i) => i).filter(() => random() < 0.3);
        const at = T0 + Math.floor(random() * 10 * DAY_MS);
        releases.push({
          at,
          builtAt: at,
          epoch: j,
          ids,
          n: ids.map(() => 5 + Math.floor(random() * 200)),
          truth: ids.map(() => 0),
        });
      }
      releases.sort((a, b) => a.at - b.at);
      return {
        names: pool,
        releases,
        epochMs: 10 * MINUTE,
        scale: 4,
        spent: 0,
        keyChangeAt: T0 + 5 * DAY_MS,
      };
    };
    const t = targets(Array.from({ length: 40 }, randomStream));
    for (const feature of FEATURES) {
      const { auc, pairs } = linkingAuc(t, feature);
      expect(pairs).toBe(40 * 39);
      expect(auc, feature).toBeGreaterThan(0.4);
      expect(auc, feature).toBeLessThan(0.6);
    }
  });

  it('replays a project the same way from the same seeds', async () => {
    const [a] = await simulated(NO_NOISE, 1, 2);
    const [b] = await simulated(NO_NOISE, 1, 2);
    expect(b.releases).toEqual(a.releases);
    expect(a.releases.length).toBeGreaterThan(0);
  });
});

describe('the publish moments', () => {
  const uptime: [number, number][] = [
    [T0 + 3_000, T0 + 3 * DAY_MS],
    [T0 + 3 * DAY_MS + 5 * MINUTE, T0 + 3 * DAY_MS + 8 * 3600_000],
  ];

  it("today's timer ticks every epoch from each start", () => {
    const m = publishMoments(uptime, 10 * MINUTE, 'interval', seededRandom(1));
    expect(m[0]).toBe(T0 + 3_000 + 10 * MINUTE);
    expect(m).toContain(T0 + 3 * DAY_MS + 15 * MINUTE);
    expect(m.length).toBe(Math.ceil((3 * DAY_MS - 3_000) / (10 * MINUTE)) - 1 + 47);
  });

  it('the random moment is within the epoch, after the start and before the stop, at most once per epoch and run', () => {
    const m = publishMoments(uptime, DAY_MS, 'random-moment', seededRandom(2));
    for (const t of m) expect(uptime.some(([s, e]) => t > s && t < e)).toBe(true);
    const first = m.filter((t) => t < T0 + 3 * DAY_MS);
    expect(new Set(first.map((t) => Math.floor(t / DAY_MS))).size).toBe(first.length);
    expect(first.length).toBeGreaterThanOrEqual(2);
  });
});
