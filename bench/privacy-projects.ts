import { HIGH_QUALITY } from '../node/learning/index.js';
import { type Arm, BUILTIN_MODEL } from '../node/optimizer/arms.js';
import { type Random, seededRandom } from '../node/optimizer/random.js';
import { posterior, sample } from '../node/optimizer/thompson.js';
import type { ArmStatsLike } from '../protocols/index.js';
import { drawOutcome, type World } from './learning-world.js';

/**
 * The privacy benchmark's projects, simulated and drawn from a seed: each one a team using the node
 * on some of a learning world's contexts (bench/learning-world.ts: the node's real arms, hidden
 * qualities), with its own working pattern, and the outcomes it accumulates over the days. What is
 * drawn, and from which distributions, is written down once below and was not tuned on the seeds the
 * report runs on. This file produces the outcome timeline only; privacy-stream.ts turns it into
 * digests through the real anonymizer.
 */
export const PROJECT_DISTRIBUTIONS = {
  /** probability that a project works in two languages (else one), among the world's languages */
  twoLanguages: 0.3,
  /** contexts a project generates in, among the world's contexts of its languages, uniform integer */
  contexts: [1, 6],
  /** the project's context popularity ~ 1 / rank^s, s uniform */
  zipfExponent: [0.5, 1.5],
  /** the team's UTC offset in hours, uniform integer */
  utcOffsetHours: [-8, 9],
  /** local hour the working day starts, uniform integer, and its length in hours, uniform */
  startHour: [7, 10],
  activeHours: [5, 10],
  /** probability that a weekday, and a weekend day, is a working day (per project, uniform) */
  weekdayActive: [0.6, 0.95],
  weekendActive: [0, 0.15],
  /** with probability p, one block of idle days (holiday) of a uniform integer length */
  holiday: { p: 0.3, days: [3, 7] },
  /** mean generations per working day, log-uniform per project; each day's count is Poisson */
  generationsPerDay: [3, 60],
  /** probability that no model generator is configured; else a uniform non-empty subset of the world's */
  noModels: 0.5,
  /** probability that the node runs all the time (a daemon); else it is started and stopped with the working day */
  daemon: 0.6,
  /** a daemon's restarts over the period besides the key change, uniform integer, each a gap of 1-30 minutes */
  restarts: [0, 4],
  /** a workday node starts up to this many hours before the working day and stops up to this many after it */
  workdaySlack: { before: 1, after: 2 },
  /** the day the project's node changes its key (a new peer id; same statistics), uniform */
  keyChangeDay: [4, 5],
} as const;

export const DAY_MS = 24 * 3600_000;
/** The simulated period starts on a Monday, 00:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5);

export interface Project {
  /** index in the world's project list and the seed it was drawn from */
  index: number;
  seed: number;
  languages: string[];
  /** the world's context indexes it generates in, with their popularity */
  contexts: { ci: number; weight: number }[];
  models: string[];
  utcOffsetHours: number;
  startHour: number;
  activeHours: number;
  mode: 'daemon' | 'workday';
  /** per day of the period: a working day */
  workingDays: boolean[];
  generationsPerDay: number;
  /** [start, end) ms intervals the node runs; a new interval starts at every (re)start */
  uptime: [number, number][];
  /** when the node starts with its new key (the start of an uptime interval) */
  keyChangeAt: number;
}

/** One candidate's outcome, as it lands in the arm statistics. */
export interface OutcomeEvent {
  t: number;
  contextKey: string;
  armKey: string;
  q: number;
}

const uniform = (r: Random, [a, b]: readonly number[]) => a + (b - a) * r();
const int = (r: Random, [a, b]: readonly number[]) => a + Math.floor(r() * (b - a + 1));

function poisson(r: Random, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = r();
  while (p > limit) {
    k++;
    p *= r();
  }
  return k;
}

function shuffle<T>(r: Random, xs: T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const D = PROJECT_DISTRIBUTIONS;

/** Draws one project of `world` from `seed`, over `days` days. */
export function drawProject(world: World, index: number, seed: number, days: number): Project {
  const r = seededRandom(seed * 2654435761 + 97);
  const present = [...new Set(world.contexts.map((c) => c.context.language))].sort();
  const languages = shuffle(r, present).slice(0, r() < D.twoLanguages && present.length > 1 ? 2 : 1);
  const eligible = world.contexts.flatMap((c, ci) => (languages.includes(c.context.language) ? [ci] : []));
  const chosen = shuffle(r, eligible).slice(0, Math.min(eligible.length, int(r, D.contexts)));
  const s = uniform(r, D.zipfExponent);
  const contexts = chosen.map((ci, rank) => ({ ci, weight: 1 / (rank + 1) ** s }));
  const models =
    r() < D.noModels || world.models.length === 0
      ? []
      : (() => {
          const picked = world.models.filter(() => r() < 0.5).map((m) => m.id);
          return picked.length ? picked : [world.models[Math.floor(r() * world.models.length)].id];
        })();
  const utcOffsetHours = int(r, D.utcOffsetHours);
  const startHour = int(r, D.startHour);
  const activeHours = uniform(r, D.activeHours);
  const weekday = uniform(r, D.weekdayActive);
  const weekend = uniform(r, D.weekendActive);
  const workingDays = Array.from({ length: days }, (_, d) => r() < (d % 7 < 5 ? weekday : weekend));
  if (r() < D.holiday.p) {
    const len = int(r, D.holiday.days);
    const from = Math.floor(r() * Math.max(1, days - len));
    for (let d = from; d < Math.min(days, from + len); d++) workingDays[d] = false;
  }
  const generationsPerDay = Math.exp(uniform(r, D.generationsPerDay.map(Math.log)));
  const mode = r() < D.daemon ? 'daemon' : 'workday';
  // local working hours in UTC ms of day d
  const dayStart = (d: number) => T0 + d * DAY_MS + (startHour - utcOffsetHours) * 3600_000;
  const keyNominal = T0 + uniform(r, D.keyChangeDay) * DAY_MS;
  let uptime: [number, number][] = [];
  let keyChangeAt: number;
  if (mode === 'daemon') {
    // up from the first working hour of day 0, restarted now and then, and at the key change
    const restarts = Array.from({ length: int(r, D.restarts) }, () => T0 + r() * days * DAY_MS);
    const cuts = [...restarts, keyNominal].sort((a, b) => a - b);
    let start = Math.max(T0, dayStart(0));
    for (const cut of cuts) {
      if (cut <= start) continue;
      uptime.push([start, cut]);
      start = cut + (1 + 29 * r()) * 60_000;
    }
    uptime.push([start, T0 + days * DAY_MS]);
    keyChangeAt = uptime.find(([s]) => s > keyNominal)?.[0] ?? keyNominal;
  } else {
    for (let d = 0; d < days; d++) {
      if (!workingDays[d]) continue;
      const s0 = dayStart(d) - r() * D.workdaySlack.before * 3600_000;
      const e0 = dayStart(d) + activeHours * 3600_000 + r() * D.workdaySlack.after * 3600_000;
      uptime.push([Math.max(T0, s0), Math.min(T0 + days * DAY_MS, e0)]);
    }
    uptime = uptime.filter(([a, b]) => b > a);
    keyChangeAt = uptime.find(([s]) => s >= keyNominal)?.[0] ?? keyNominal;
  }
  return {
    index,
    seed,
    languages,
    contexts,
    models,
    utcOffsetHours,
    startHour,
    activeHours,
    mode,
    workingDays,
    generationsPerDay,
    uptime,
    keyChangeAt,
  };
}

/**
 * The project's generations over the period and their candidates' outcomes, in time order. Each
 * generation runs the pack defaults (the incumbent), one other template arm by Thompson sampling
 * over the project's own statistics so far (node/optimizer/thompson.ts, in memory; no promotion,
 * rules or cost rule), and each configured model with a prompt variant by Thompson sampling.
 * Outcomes come from the world (drawOutcome), keyed by the project so projects do not share noise.
 */
export function simulateOutcomes(world: World, p: Project, days: number): OutcomeEvent[] {
  const r = seededRandom(p.seed * 40503 + 11);
  const times: number[] = [];
  for (let d = 0; d < days; d++) {
    if (!p.workingDays[d]) continue;
    const from = T0 + d * DAY_MS + (p.startHour - p.utcOffsetHours) * 3600_000;
    const count = poisson(r, p.generationsPerDay);
    for (let i = 0; i < count; i++) times.push(from + r() * p.activeHours * 3600_000);
  }
  times.sort((a, b) => a - b);
  const total = p.contexts.reduce((s, c) => s + c.weight, 0);
  const stats = new Map<string, { n: number; sumQ: number; sumQ2: number }>();
  const events: OutcomeEvent[] = [];
  const draw = (contextKey: string, arms: Arm[]) =>
    arms
      .map((arm) => ({ arm, x: sample(posterior(stats.get(`${contextKey}\n${arm.key}`)), r) }))
      .reduce((b, a) => (a.x > b.x ? a : b)).arm;
  times.forEach((t, g) => {
    let u = r() * total;
    const pick =
      p.contexts.find((c) => {
        u -= c.weight;
        return u < 0;
      }) ?? p.contexts[p.contexts.length - 1];
    const c = world.contexts[pick.ci];
    const templates = c.arms.filter((a) => a.model === BUILTIN_MODEL);
    const incumbent = templates.find((a) => a.isDefault) ?? templates[0];
    const candidates: Arm[] = incumbent ? [incumbent] : [];
    const rest = templates.filter((a) => a !== incumbent);
    if (rest.length) candidates.push(draw(c.key, rest));
    for (const m of p.models) {
      const variants = c.arms.filter((a) => a.model === m);
      if (variants.length) candidates.push(draw(c.key, variants));
    }
    for (const arm of candidates) {
      const { q } = drawOutcome(world, p.seed * 1_000_003 + g, c, arm);
      const id = `${c.key}\n${arm.key}`;
      const s = stats.get(id) ?? { n: 0, sumQ: 0, sumQ2: 0 };
      s.n++;
      s.sumQ += q;
      s.sumQ2 += q * q;
      stats.set(id, s);
      events.push({ t, contextKey: c.key, armKey: arm.key, q });
    }
  });
  return events;
}

/** What the node's learning keeps per (context, arm): what the anonymizer reads, and successes (today's digests sent them). */
export interface SimArmStats extends ArmStatsLike {
  successes: number;
}

/** Arm statistics accumulated from outcome events, as the anonymizer reads them. */
export class RunningStats {
  private readonly byId = new Map<string, SimArmStats>();
  private list: SimArmStats[] | undefined;

  add(e: OutcomeEvent): void {
    const id = `${e.contextKey}\n${e.armKey}`;
    let s = this.byId.get(id);
    if (!s) {
      s = { contextKey: e.contextKey, armKey: e.armKey, n: 0, sumQ: 0, sumQ2: 0, successes: 0 };
      this.byId.set(id, s);
      this.list = undefined;
    }
    s.n++;
    s.sumQ += e.q;
    s.sumQ2 += e.q * e.q;
    if (e.q >= HIGH_QUALITY) s.successes++;
  }

  /** the true n of an entry (0 when never observed) */
  n(contextKey: string, armKey: string): number {
    return this.byId.get(`${contextKey}\n${armKey}`)?.n ?? 0;
  }

  /** copies, so a digest built from them never sees later outcomes */
  snapshot(): SimArmStats[] {
    this.list ??= [...this.byId.values()];
    return this.list.map((s) => ({ ...s }));
  }
}
