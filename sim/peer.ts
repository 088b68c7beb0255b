import { drawOutcome, type SimContext } from '../bench/learning-world.js';
import type { Random } from '../node/optimizer/random.js';
import { type Evidence, posterior, thompsonRank } from '../node/optimizer/thompson.js';
import type { ArmStatsLike } from '../protocols/index.js';
import { type Project, projectTraffic, type SimArm, type SimWorld } from './world.js';

/**
 * An honest peer's own learning, kept light so a hundred of them fit in two processes: each
 * generation runs the built-in pack's defaults (the incumbent) and one challenger drawn by Thompson
 * sampling over the optimizer's own posterior (node/optimizer/thompson.ts) of the peer's local
 * evidence; outcomes are drawn from the world's hidden qualities (bench/learning-world.ts
 * drawOutcome). Peers do not use network priors while they learn here (so the three sybil scenarios
 * share one run); the new nodes of metric 1 run the node's full choice path instead (newcomer.ts).
 */
export interface PeerLearner {
  readonly index: number;
  readonly project: Project;
  /** runs the next `generations` generations of the project's traffic */
  run(generations: number): void;
  /** local evidence per context key, then arm key */
  evidence(context: string): Map<string, Evidence> | undefined;
  /** the statistics the node would hand the anonymizer */
  stats(): ArmStatsLike[];
}

export function createPeerLearner(
  w: SimWorld,
  index: number,
  project: Project,
  horizon: number,
  random: Random,
): PeerLearner {
  const traffic = projectTraffic(w, project, index, horizon);
  const local = new Map<string, Map<string, Evidence>>();
  let done = 0;
  const step = (g: number) => {
    const c: SimContext = w.contexts[traffic[g]];
    const mine = local.get(c.key) ?? new Map<string, Evidence>();
    local.set(c.key, mine);
    const incumbent =
      c.arms.find((a) => (a as SimArm).kind === 'builtin' && a.isDefault) ?? (c.arms[0] as SimArm);
    const rest = c.arms.filter((a) => a !== incumbent);
    const ranked = thompsonRank(
      rest.map((a) => ({ item: a, posterior: posterior(mine.get(a.key)) })),
      random,
    );
    for (const arm of [incumbent, ranked[0].item]) {
      // a generation id unique to this peer: outcomes are independent across peers
      const { q } = drawOutcome(w.world, index * 1_000_000 + g, c, arm);
      const e = mine.get(arm.key) ?? { n: 0, sumQ: 0, sumQ2: 0 };
      e.n++;
      e.sumQ += q;
      e.sumQ2 += q * q;
      mine.set(arm.key, e);
    }
  };
  return {
    index,
    project,
    run(generations) {
      const end = Math.min(traffic.length, done + generations);
      for (; done < end; done++) step(done);
    },
    evidence: (context) => local.get(context),
    stats() {
      const out: ArmStatsLike[] = [];
      for (const [contextKey, arms] of local)
        for (const [armKey, e] of arms)
          out.push({ contextKey, armKey, n: e.n, sumQ: e.sumQ, sumQ2: e.sumQ2 });
      return out;
    },
  };
}

/**
 * What a sybil publishes: for every context of the world, the bad pack's arms reported excellent
 * and the three best honest arms (by hidden quality: the attacker is assumed to know them) reported
 * poor, each with `n` outcomes. It goes through the real anonymizer like any node's statistics.
 */
export function sybilLies(
  w: SimWorld,
  options: { n?: number; badMean?: number; goodMean?: number; lieAbout?: number } = {},
): ArmStatsLike[] {
  const n = options.n ?? 30;
  const bad = options.badMean ?? 0.97;
  const good = options.goodMean ?? 0.35;
  const lieAbout = options.lieAbout ?? 3;
  const entry = (contextKey: string, armKey: string, m: number): ArmStatsLike => ({
    contextKey,
    armKey,
    n,
    sumQ: n * m,
    sumQ2: n * (m * m + 0.0004),
  });
  const out: ArmStatsLike[] = [];
  for (const c of w.contexts) {
    for (const a of c.arms) if (w.kinds.get(a.key) === 'bad') out.push(entry(c.key, a.key, bad));
    const q = (k: string) => c.hidden.get(k)?.q ?? 0;
    const honest = c.arms
      .filter((a) => w.kinds.get(a.key) !== 'bad')
      .sort((a, b) => q(b.key) - q(a.key))
      .slice(0, lieAbout);
    for (const a of honest) out.push(entry(c.key, a.key, good));
  }
  return out;
}
