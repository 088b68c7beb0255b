import { pathToFileURL } from 'node:url';
import { table } from '../cli/render/table.js';
import { normalCdf, type Random } from '../node/optimizer/random.js';
import { createAnonymizer, DEFAULT_RELEASE_MODEL } from '../protocols/index.js';
import { parseSeeds } from './learning.js';
import { drawWorld } from './learning-world.js';
import {
  ALL_FEATURES,
  type AveragingResult,
  addAveraging,
  averagingAttack,
  emptyAveraging,
  LINK_FEATURES,
  type LinkTarget,
  linkingAuc,
  segmentFeatures,
  type Tally,
} from './privacy-attacks.js';
import { marketplaceOf, type NewNodeRun, newNode } from './privacy-learning.js';
import { DAY_MS, drawProject, PROJECT_DISTRIBUTIONS, simulateOutcomes, T0 } from './privacy-projects.js';
import { type PrivacySettings, replay, type Stream } from './privacy-stream.js';

/** World seeds used while this bench was written; the report never runs on them. */
export const DEVELOPMENT_SEEDS = [1, 2];
/** Held-out world seeds the report runs on by default (10 projects each). */
export const REPORT_SEEDS = [3001, 3002, 3003, 3004, 3005];

export const PROJECTS_PER_WORLD = 10;
export const DAYS = 28;
/** the linking attacker's view on each side of the key change */
export const WINDOW_DAYS = 7;
/** the averaging attack is also scored on entries away from the k threshold, whose cut biases small counts */
export const LARGE_N = 20;
/** the new node's generations in the learning-cost runs */
export const NEW_NODE_GENERATIONS = 200;

const MINUTE = 60_000;
/** The simulated model generators' ids (`sim:model-a`) are released as a provider's model would be. */
export const releaseModel = (m: string) => DEFAULT_RELEASE_MODEL(m) || /^sim:model-[a-z]$/.test(m);

/**
 * Today's settings as the node ran them (node/config.ts network defaults before issue 18, the
 * setInterval timer of node/peering.ts, protocols/anonymizer.ts then): 10-minute epochs from the
 * node's start, epsilon 1 per digest over n, sumQ, sumQ2 and successes (Laplace scale 4), lifetime
 * budget 1000, the exact k threshold, fresh noise on every digest, `at` the build time. Run on the
 * current anonymizer, which no longer sends successes (sensitivity 3): epsilon 0.75 gives today's
 * scale 4 on the fields still sent, a budget of 750 today's 1000 digests, and spends are quoted
 * x 4/3 in today's accounting.
 */
export const BEFORE: PrivacySettings = {
  name: 'before',
  text:
    "today's node: 10-minute epochs from the node's start, Laplace scale 4 (epsilon 1 per digest), lifetime budget 1000, " +
    'exact k threshold, fresh noise on every digest, `at` = build time (run as the current anonymizer with epsilon 0.75 ' +
    'over the 3 fields it still sends: the same noise; budget 750 = 1000 digests; spends quoted x 4/3)',
  anonymizer: (random) =>
    createAnonymizer({
      k: 5,
      epsilon: 0.75,
      epochMs: 10 * MINUTE,
      budgetPerYear: 750,
      sticky: false,
      threshold: 'exact',
      random,
      releaseModel,
    }),
  schedule: 'interval',
  at: 'build',
  epsilonFactor: 4 / 3,
};

/**
 * The new defaults: the anonymizer's own (protocols/anonymizer.ts: 24 h epochs, epsilon 1 per build
 * that draws noise, a budget per rolling year, the noisy k threshold, sticky noise, `at` the epoch
 * start), published once per epoch at a uniformly random moment (node/peering.ts everyEpochAtRandom).
 */
const afterAnonymizer = (random: Random) => createAnonymizer({ k: 5, random, releaseModel });
const A = afterAnonymizer(() => 0.5);
export const AFTER: PrivacySettings = {
  name: 'after',
  text:
    `the new defaults: ${A.epochMs / 3600_000} h epochs, one build at a random moment of each, epsilon ${A.epsilon} per build that draws noise ` +
    `(scale ${A.scale}), budget ${A.budgetPerYear} per rolling year, noisy k=${A.k} threshold, sticky noise (redrawn only when the true counts change), ` +
    '`at` = epoch start; the projects opted in to sharing (network.share all)',
  anonymizer: afterAnonymizer,
  schedule: 'random-moment',
  at: 'digest',
};

export const SETTINGS: PrivacySettings[] = [BEFORE, AFTER];

export interface WorldRun {
  seed: number;
  streams: Map<string, Stream[]>;
  learning: Map<string, NewNodeRun>;
  /** context indexes some project of the world generates in */
  covered: Set<number>;
}

/** One world: its projects' streams under every setting, and a new node's runs with their priors. */
export async function runWorld(
  seed: number,
  settings: PrivacySettings[] = SETTINGS,
  options: { projects?: number; generations?: number; learning?: boolean; noiseSeed?: number } = {},
): Promise<WorldRun> {
  const generations = options.generations ?? NEW_NODE_GENERATIONS;
  const world = await drawWorld(seed, generations);
  const projects = Array.from({ length: options.projects ?? PROJECTS_PER_WORLD }, (_, i) =>
    drawProject(world, i, seed * 100 + i, DAYS),
  );
  const events = projects.map((p) => simulateOutcomes(world, p, DAYS));
  const streams = new Map<string, Stream[]>();
  settings.forEach((s, si) => {
    streams.set(
      s.name,
      projects.map((p, i) =>
        replay(p, events[i], s, seed * 1000 + i * 10 + si + (options.noiseSeed ?? 0) * 7919),
      ),
    );
  });
  const learning = new Map<string, NewNodeRun>();
  if (options.learning !== false) {
    learning.set('no priors', await newNode(world, 'no priors', undefined));
    for (const s of settings) {
      const latest = (streams.get(s.name) as Stream[]).flatMap((st, i) =>
        st.latest ? [{ peer: `project-${seed}-${i}`, digest: st.latest }] : [],
      );
      learning.set(s.name, await newNode(world, s.name, marketplaceOf(latest)));
    }
  }
  return { seed, streams, learning, covered: new Set(projects.flatMap((p) => p.contexts.map((c) => c.ci))) };
}

/** P(the mean of one day's released n rounds to an unchanged exact n), ignoring the k cut. */
export function idleDayRecovery(settings: PrivacySettings): number {
  const a = settings.anonymizer(() => 0.5);
  const draws = a.sticky ? 1 : Math.max(1, Math.floor(DAY_MS / a.epochMs));
  if (draws === 1) return 1 - Math.exp(-0.5 / a.scale);
  return 2 * normalCdf(0.5 / ((Math.SQRT2 * a.scale) / Math.sqrt(draws))) - 1;
}

const pct = (t: Tally) => (t.total ? `${((100 * t.exact) / t.total).toFixed(1)}% of ${t.total}` : '-');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : Number.NaN;
};
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function rangeText(seeds: number[]): string {
  const sorted = [...seeds].sort((a, b) => a - b);
  const contiguous = sorted.every((s, i) => i === 0 || s === sorted[i - 1] + 1);
  return contiguous && sorted.length > 2 ? `${sorted[0]}-${sorted[sorted.length - 1]}` : sorted.join(', ');
}

/**
 * The privacy benchmark: simulated projects (privacy-projects.ts) on learning worlds drawn from
 * held-out seeds, their digests built by the real anonymizer with today's settings and the new ones,
 * the averaging and linking attacks on them (privacy-attacks.ts), the privacy budget, and the
 * learning cost: a new node's regret with priors from those digests (privacy-learning.ts).
 */
export async function benchPrivacy(options: { seeds?: number[]; settings?: PrivacySettings[] } = {}) {
  const seeds = options.seeds ?? parseSeeds(process.env.WEAVERGEN_BENCH_PRIVACY_SEEDS) ?? REPORT_SEEDS;
  const settings = options.settings ?? SETTINGS;
  const started = performance.now();
  const dev = seeds.filter((s) => DEVELOPMENT_SEEDS.includes(s));
  const projectCount = seeds.length * PROJECTS_PER_WORLD;
  console.log('\n## privacy: averaging and linking attacks on simulated projects, and the learning cost');
  console.log(
    `world seeds: ${rangeText(seeds)}${dev.length ? ` (includes development seeds ${dev.join(', ')}: not a held-out figure)` : ` (held out: development used seeds ${rangeText(DEVELOPMENT_SEEDS)} only)`}; ` +
      `${PROJECTS_PER_WORLD} simulated projects per world (${projectCount}), ${DAYS} days each, digests built by the real ` +
      'anonymizer (protocols/anonymizer.ts) with noise from a seeded generator so the run is reproducible (the node uses the CSPRNG)',
  );
  const P = PROJECT_DISTRIBUTIONS;
  console.log(
    [
      'What is simulated (bench/privacy-projects.ts, drawn per project from the distributions written there):',
      `- a project: ${P.contexts.join('-')} contexts of a learning world (bench/learning-world.ts: the node's real arms, hidden qualities) in one language (two with p=${P.twoLanguages}), Zipf popularity; ` +
        `models configured with p=${1 - P.noModels}; UTC offset ${P.utcOffsetHours.join('..')} h, working day from ${P.startHour.join('-')} h local for ${P.activeHours.join('-')} h; ` +
        `weekdays worked with p ${P.weekdayActive.join('-')}, weekends ${P.weekendActive.join('-')}, a ${P.holiday.days.join('-')}-day holiday with p=${P.holiday.p}; ` +
        `${P.generationsPerDay.join('-')} generations per working day (log-uniform mean, Poisson per day), each running the pack defaults, one Thompson challenger and each configured model`,
      `- the node: a daemon with p=${P.daemon} (${P.restarts.join('-')} restarts), else started and stopped with the working day; it tries to publish on a timer while it runs; ` +
        `its key changes (new peer id, same statistics and privacy state) at a restart on day ${P.keyChangeDay.join('-')}`,
      `- the new node (learning cost): the world's traffic for ${NEW_NODE_GENERATIONS} generations through the real chooseArms/optimizer/LevelDB path ` +
        `(as bench/learning.ts "product"), with priors from a marketplace holding each of the world's ${PROJECTS_PER_WORLD} projects' newest digest at day ${DAYS}`,
      ...settings.map((s) => `- ${s.name}: ${s.text}`),
    ].join('\n'),
  );

  const runs: WorldRun[] = [];
  for (const seed of seeds) runs.push(await runWorld(seed, settings));
  const streamsOf = (name: string) => runs.flatMap((r) => r.streams.get(name) as Stream[]);

  // budget
  console.log(
    `\nReleases and budget (per project: median and range over the ${projectCount}; per year extrapolated from the ${DAYS} days):`,
  );
  console.log(
    table(
      [
        'settings',
        'digests',
        'entries per digest',
        'epsilon spent',
        'epsilon per year',
        'stopped sharing',
        'on day',
      ],
      settings.map((s) => {
        const st = streamsOf(s.name);
        const stopped = st.filter((x) => x.exhaustedAt !== undefined);
        const days = stopped.map((x) => ((x.exhaustedAt as number) - T0) / DAY_MS);
        const spread = (xs: number[], d = 0) =>
          xs.length ? `${f(median(xs), d)} (${f(Math.min(...xs), d)}-${f(Math.max(...xs), d)})` : '-';
        return [
          s.name,
          spread(st.map((x) => x.releases.length)),
          spread(
            st.map((x) => (x.releases.length ? mean(x.releases.map((r) => r.ids.length)) : 0)),
            1,
          ),
          spread(st.map((x) => x.spent)),
          spread(st.map((x) => (x.spent * 365) / DAYS)),
          `${stopped.length} of ${st.length}`,
          spread(days, 1),
        ];
      }),
    ),
  );

  // averaging
  console.log(
    '\nAveraging attack: % of estimates whose rounding is the exact n (one UTC day: entry-days with an unchanged n; ' +
      'all days: each entry at its last release, trailing run of agreeing daily means; oracle: every release since n last changed)',
  );
  const populations: [string, number][] = [
    ['every entry', 0],
    [`exact n >= ${LARGE_N}`, LARGE_N],
  ];
  const averaged = new Map<string, AveragingResult>();
  for (const s of settings)
    for (const [label, minN] of populations)
      averaged.set(
        `${s.name}\n${label}`,
        streamsOf(s.name).reduce((sum, st) => addAveraging(sum, averagingAttack(st, minN)), emptyAveraging()),
      );
  console.log(
    `for reference, a count unchanged for a whole day of digests: ${settings
      .map((s) => `${s.name} ${(100 * idleDayRecovery(s)).toFixed(0)}%`)
      .join(', ')} (fresh noise: Normal approximation of the mean of a day's draws; sticky: one draw)`,
  );
  console.log(
    table(
      ['settings', 'entries scored', 'after 1 day', `after ${DAYS} days`, 'oracle run (bound)'],
      settings.flatMap((s) =>
        populations.map(([label]) => {
          const r = averaged.get(`${s.name}\n${label}`) as AveragingResult;
          return [s.name, label, pct(r.oneDay), pct(r.allDays), pct(r.oracle)];
        }),
      ),
    ),
  );

  // linking
  const features = [...Object.keys(LINK_FEATURES), ALL_FEATURES];
  const targets = new Map<string, LinkTarget[]>(
    settings.map((s) => [
      s.name,
      streamsOf(s.name).map((st) => ({
        before: segmentFeatures(st, st.keyChangeAt - WINDOW_DAYS * DAY_MS, st.keyChangeAt),
        after: segmentFeatures(st, st.keyChangeAt, st.keyChangeAt + WINDOW_DAYS * DAY_MS),
      })),
    ]),
  );
  const usable = (name: string) =>
    (targets.get(name) as LinkTarget[]).filter((t) => t.before && t.after).length;
  console.log(
    `\nLinking attack: the releases of the ${WINDOW_DAYS} days before a project's key change against those of the ${WINDOW_DAYS} days after, ` +
      "its own or another project's; nearest by each feature's distance; AUC as the two-way choice over ordered pairs (0.5 chance). " +
      `Projects with releases on both sides: ${settings.map((s) => `${s.name} ${usable(s.name)} of ${projectCount}`).join(', ')}`,
  );
  console.log(
    table(
      ['feature', ...settings.map((s) => `AUC ${s.name}`)],
      features.map((feat) => [
        feat,
        ...settings.map((s) => f(linkingAuc(targets.get(s.name) as LinkTarget[], feat).auc, 3)),
      ]),
    ),
  );

  // learning cost
  const arms = ['no priors', ...settings.map((s) => s.name)];
  const regret = (arm: string, only?: (r: WorldRun) => Set<number>) =>
    runs.map((r) => {
      const run = r.learning.get(arm) as NewNodeRun;
      if (!only) return run.stats.regret;
      let sum = 0;
      for (const [ci, x] of run.regretOf) if (only(r).has(ci)) sum += x;
      return sum;
    });
  const until = (arm: string) =>
    runs.flatMap((r) => {
      const run = r.learning.get(arm) as NewNodeRun;
      return [...run.untilBest].filter(([ci]) => r.covered.has(ci)).map(([, x]) => x);
    });
  const found = (arm: string) =>
    runs.reduce((s, r) => {
      const run = r.learning.get(arm) as NewNodeRun;
      return s + [...run.found].filter(([ci, ok]) => ok && r.covered.has(ci)).length;
    }, 0);
  const coveredSeen = until('no priors').length;
  console.log(
    `\nLearning cost: a new node's cumulative regret over ${NEW_NODE_GENERATIONS} generations (sum of best hidden q - delivered arm's hidden q; mean over the ${seeds.length} worlds), ` +
      `and on the contexts the projects work in (${coveredSeen} seen by the traffic) the generations of a context until its best arm first ran (mean; never: its count + 1)`,
  );
  const base = arms.map((a) => ({
    a,
    all: mean(regret(a)),
    covered: mean(regret(a, (r) => r.covered)),
    until: mean(until(a)),
    found: found(a),
  }));
  const ref = base.find((x) => x.a === BEFORE.name);
  console.log(
    table(
      [
        'new node',
        'regret, all traffic',
        "regret, projects' contexts",
        'generations until best arm',
        'best arm found',
        ...(ref && settings.length > 1 ? ['ratio to before (regret, generations)'] : []),
      ],
      base.map((x) => [
        x.a,
        f(x.all),
        f(x.covered),
        f(x.until),
        `${x.found} of ${coveredSeen}`,
        ...(ref && settings.length > 1 ? [`${f(x.covered / ref.covered)}, ${f(x.until / ref.until)}`] : []),
      ]),
    ),
  );
  console.log(
    `per world, regret on the projects' contexts (${arms.join(' / ')}): ${runs
      .map((r, i) => `${r.seed}: ${arms.map((a) => f(regret(a, (w) => w.covered)[i], 1)).join(' / ')}`)
      .join('; ')}`,
  );
  console.log(`time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { runs, averaged, targets };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`weavergen privacy bench on node ${process.version}, ${new Date().toISOString()}`);
  await benchPrivacy();
}
