import { pathToFileURL } from 'node:url';
import { table } from '../cli/render/table.js';
import { HIGH_QUALITY } from '../node/learning/index.js';
import { BUILTIN_MODEL, DEFAULT_COST_RULE, DEFAULT_PROMOTION_RULE } from '../node/optimizer/index.js';
import {
  defaultsPolicy,
  oraclePolicy,
  type Policy,
  productPolicy,
  type RunStats,
  runPolicy,
  uniformPolicy,
} from './learning-policies.js';
import { DISTRIBUTIONS, drawWorld, type World } from './learning-world.js';

/** Seeds used while the policies and the world were developed; the report never runs on them. */
export const DEVELOPMENT_SEEDS = [1, 2, 3, 4, 5];
/** Held-out seeds the report runs on by default. */
export const REPORT_SEEDS = Array.from({ length: 20 }, (_, i) => 1001 + i);

export interface BenchLearningOptions {
  /** env WEAVERGEN_BENCH_SEEDS: `1001-1020` or `1,2,3` (default REPORT_SEEDS) */
  seeds?: number[];
  /** generations per world (env WEAVERGEN_BENCH_GENERATIONS, default 300) */
  generations?: number;
  /** candidates the product asks for (config generation.candidates, default 2) */
  k?: number;
}

const BLOCK = 50;
const BAR = HIGH_QUALITY;

export function parseSeeds(text: string | undefined): number[] | undefined {
  if (!text) return undefined;
  return text.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map((x) => Number(x.trim()));
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b)))
      throw new Error(`WEAVERGEN_BENCH_SEEDS: not a seed list: ${text}`);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

const POLICIES: { name: string; make: (w: World, k: number) => Promise<Policy> }[] = [
  { name: 'product', make: (w, k) => productPolicy(w, 'product', k, { rules: true, cost: true }) },
  {
    name: 'product, rules off',
    make: (w, k) => productPolicy(w, 'product, rules off', k, { rules: false, cost: true }),
  },
  {
    name: 'product, structure off',
    make: (w, k) => productPolicy(w, 'product, structure off', k, { rules: true, cost: true, structure: 0 }),
  },
  {
    name: 'product, cost-blind',
    make: (w, k) => productPolicy(w, 'product, cost-blind', k, { rules: true, cost: false }),
  },
  { name: 'defaults only', make: async () => defaultsPolicy() },
  { name: 'uniform', make: async (w, k) => uniformPolicy(w.seed, k) },
  { name: 'oracle (best arm)', make: async () => oraclePolicy('best') },
  { name: 'oracle (cheapest arm at the bar)', make: async () => oraclePolicy('cheapest') },
];

/**
 * The learning benchmark: on worlds drawn from held-out seeds (learning-world.ts), the node's own
 * choice path against "defaults only", "uniform" and two oracles, each policy on the same worlds,
 * the same traffic and the same outcome noise. Prints what is simulated, the seeds and every figure.
 */
export async function benchLearning(options: BenchLearningOptions = {}) {
  const seeds = options.seeds ?? parseSeeds(process.env.WEAVERGEN_BENCH_SEEDS) ?? REPORT_SEEDS;
  const generations = options.generations ?? Number(process.env.WEAVERGEN_BENCH_GENERATIONS ?? 300);
  const k = options.k ?? 2;
  const started = performance.now();
  const dev = seeds.filter((s) => DEVELOPMENT_SEEDS.includes(s));

  console.log("\n## learning: the node's choice policy against baselines, on simulated worlds");
  console.log(
    `seeds: ${rangeText(seeds)}${dev.length ? ` (includes development seeds ${dev.join(', ')}: not a held-out figure)` : ` (held out: development used seeds ${rangeText(DEVELOPMENT_SEEDS)} only)`}; ` +
      `${generations} generations per seed; acceptance bar q >= ${BAR}`,
  );
  console.log(
    [
      'What is simulated (bench/learning-world.ts, every parameter drawn per seed from the distributions written there):',
      `- contexts: ${DISTRIBUTIONS.contexts.count.join('-')} per world; language uniform over ${DISTRIBUTIONS.contexts.languages.join(', ')}; size bucket xs/s/m/l/xl ` +
        `${Object.values(DISTRIBUTIONS.contexts.size).join('/')}; each shape flag present at a per-world rate uniform in ${DISTRIBUTIONS.contexts.flagRate.join('-')}; ` +
        `traffic Zipf over the contexts (exponent ${DISTRIBUTIONS.traffic.zipfExponent.join('-')}), so contexts keep appearing for the first time`,
      "- arms: the node's real arms (node/jobs/arms.ts): each language's built-in template pack in every param combination (12-24 arms, cost $0), " +
        `and its built-in prompt pack (detail=full|brief) under ${DISTRIBUTIONS.models.count.join('-')} simulated models priced ` +
        `$${DISTRIBUTIONS.models.inputPrice.join('-')}/M input tokens (log-uniform), output x${DISTRIBUTIONS.models.outputRatio.join('-')}, tokens growing with the registry size`,
      `- hidden quality: template default q uniform ${DISTRIBUTIONS.templates.base.join('-')} per language; each other param value adds Normal(${DISTRIBUTIONS.templates.mainEffect.mean}, ${DISTRIBUTIONS.templates.mainEffect.sd}); ` +
        `each (value, shape feature), defaults included, adds Normal(0, ${DISTRIBUTIONS.templates.interaction.sd}) with p=${DISTRIBUTIONS.templates.interaction.p}; ` +
        `each value, defaults included, breaks (does not compile) on one shape feature with p=${DISTRIBUTIONS.templates.breaks.p}; ` +
        `models: skill ${DISTRIBUTIONS.models.skill.join('-')} minus ${DISTRIBUTIONS.models.sizePenalty.join('-')} per size bucket, fail to compile on a feature with p=${DISTRIBUTIONS.models.breaks.p} at a rate ${DISTRIBUTIONS.models.breaks.rate.join('-')}`,
      `- outcomes: a policy sees q = hidden q + Normal noise (sd ${DISTRIBUTIONS.templates.noiseSd.join('-')} for templates, ${DISTRIBUTIONS.models.noiseSd.join('-')} for models), ` +
        `x${DISTRIBUTIONS.failedShare} when the output does not compile; the same (seed, generation, arm) draws the same outcome for every policy`,
      "- a generation runs its candidates once and delivers the best observed q (the reasoning loop's later rounds are not simulated)",
    ].join('\n'),
  );
  console.log(
    [
      'Policies (same worlds, same traffic, same noise):',
      `- product: the node's path: chooseArms with the real optimizer on a real LevelDB store (k=${k}: the incumbent, promoted variant else pack defaults, ` +
        'plus a Thompson challenger; each model with its prompt variant by Thompson sampling, unless the cost rule skips it), candidate spans through the real tracer ' +
        `and LevelDB exporter, learning.ingestGeneration, then the promotion review (n >= ${DEFAULT_PROMOTION_RULE.minN}, P(better) >= ${DEFAULT_PROMOTION_RULE.minProbability}); ` +
        'mined failure rules (informative, naming an arm and a shape) make arms never tried in a context be drawn later there, and in a new context ' +
        `(< ${DEFAULT_PROMOTION_RULE.minN} outcomes of its own) replace pack defaults they name as incumbent and skip models they name; ` +
        `cost rule: an arm reaches the bar with >= ${DEFAULT_COST_RULE.minN} outcomes here and (successes+1)/(n+2) >= ${DEFAULT_COST_RULE.reachRate}, ` +
        'and then no dearer model runs (none at all when a free template arm reaches it); an arm also gets one pseudo-observation of what the ' +
        "pack's other variants here predict for it (an additive model over parameter values)",
      "- product, rules off: the same without rule steering; product, structure off: without the prior a pack's other variants give an arm (node/optimizer/structure.ts); product, cost-blind: the same running every model every time",
      '- defaults only: the pack defaults plus every model with its default prompt',
      `- uniform: ${k} template arms at random plus every model with a prompt variant at random (the product's candidate budget, no learning)`,
      '- oracle (best arm): the arm of highest hidden q in the context, alone; oracle (cheapest arm at the bar): the cheapest arm whose hidden q >= the bar, else the best',
    ].join('\n'),
  );

  const runs = new Map<string, RunStats[]>(POLICIES.map((p) => [p.name, []]));
  const worlds: WorldSummary[] = [];
  for (const seed of seeds) {
    const world = await drawWorld(seed, generations, BAR);
    worlds.push(summarize(world));
    for (const p of POLICIES)
      runs.get(p.name)?.push(await runPolicy(world, await p.make(world, k), BAR, BLOCK));
  }

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => {
    const m = mean(xs);
    return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  };
  const pm = (xs: number[], d: number) => `${mean(xs).toFixed(d)} ± ${sd(xs).toFixed(d)}`;

  console.log(`\nThe worlds (${seeds.length} seeds; mean per world, and the range):`);
  const w = (f: (x: WorldSummary) => number, d = 1) =>
    `${mean(worlds.map(f)).toFixed(d)} (${Math.min(...worlds.map(f))}-${Math.max(...worlds.map(f))})`;
  console.log(
    table(
      ['what', 'per world'],
      [
        ['contexts', w((x) => x.contexts)],
        ['contexts seen by the traffic', w((x) => x.seen)],
        ['models', w((x) => x.models)],
        ['contexts where the pack defaults are the best template arm', w((x) => x.defaultsBest)],
        [
          'contexts where a non-default template variant beats the defaults by >= 0.05 q',
          w((x) => x.variantClearlyBetter),
        ],
        ['contexts where the pack defaults do not compile', w((x) => x.defaultsFail)],
        ['contexts where no template arm reaches the bar (a model must)', w((x) => x.noTemplateReaches)],
        ['contexts where no arm at all reaches the bar', w((x) => x.nothingReaches)],
      ],
    ),
  );

  console.log(
    `\nResults: mean ± sd over the ${seeds.length} seeds of each seed's figure. q is the delivered (best observed) q; ` +
      'regret = sum over generations of (best hidden q of the context - hidden q of the delivered arm); ' +
      `accepted = delivered q >= ${BAR}; cost = every candidate's model tokens x price (templates cost $0).`,
  );
  const rows = POLICIES.map((p) => {
    const r = runs.get(p.name) as RunStats[];
    const per = (f: (x: RunStats) => number) => r.map(f);
    const costPerAccepted = per((x) => (x.accepted ? x.costUsd / x.accepted : Number.NaN)).filter(
      Number.isFinite,
    );
    return [
      p.name,
      pm(
        per((x) => x.sumQ / x.generations),
        3,
      ),
      pm(
        per((x) => x.regret),
        1,
      ),
      pm(
        per((x) => (100 * x.accepted) / x.generations),
        1,
      ),
      mean(per((x) => x.candidates / x.generations)).toFixed(2),
      `$${mean(per((x) => x.costUsd / x.generations)).toFixed(4)}`,
      costPerAccepted.length ? `$${pm(costPerAccepted, 4)}` : '-',
      fmtPerDollar(sum(per((x) => x.accepted)), sum(per((x) => x.costUsd))),
      fmtPerDollar(sum(per((x) => x.sumQ)), sum(per((x) => x.costUsd)), 1),
      `${mean(per((x) => (100 * x.failures) / x.candidates)).toFixed(1)}%`,
    ];
  });
  console.log(
    table(
      [
        'policy',
        'mean q',
        'cum. regret',
        'accepted %',
        'candidates/gen',
        'cost/gen',
        'cost per accepted',
        'accepted per $1',
        'sum q per $1',
        'failed candidates',
      ],
      rows,
    ),
  );

  console.log(
    "The oracles run one candidate; the others keep the best of several noisy outcomes, so their delivered q can exceed an oracle's while their regret (on hidden q) cannot go below 0.",
  );

  const curve = (name: string) => {
    const r = runs.get(name) as RunStats[];
    return r[0].regretCurve.map((_, i) => mean(r.map((x) => x.regretCurve[i] ?? x.regret)));
  };
  const curveNames = ['product', 'product, rules off', 'defaults only', 'uniform'];
  console.log(`\nCumulative regret by generation (mean over seeds): learning shows as a flattening curve`);
  console.log(
    table(
      ['generations', ...curveNames],
      curve('product').map((_, i) => [
        `1-${Math.min(generations, (i + 1) * BLOCK)}`,
        ...curveNames.map((n) => curve(n)[i].toFixed(2)),
      ]),
    ),
  );

  console.log(
    '\nRules on vs off, on contexts never seen before (the first generation of each context in a run; same seeds, same traffic):',
  );
  console.log(
    table(
      [
        'policy',
        'first-sight generations',
        'candidates',
        'failed (no compile)',
        'failed %',
        'a rule held an arm back',
        'failed, all generations',
      ],
      ['product', 'product, rules off'].map((name) => {
        const r = runs.get(name) as RunStats[];
        const f = r.reduce(
          (a, x) => ({
            g: a.g + x.firstSight.generations,
            c: a.c + x.firstSight.candidates,
            fail: a.fail + x.firstSight.failures,
            steered: a.steered + x.firstSight.steered,
            all: a.all + x.failures,
          }),
          { g: 0, c: 0, fail: 0, steered: 0, all: 0 },
        );
        return [name, f.g, f.c, f.fail, `${((100 * f.fail) / f.c).toFixed(1)}%`, f.steered, f.all];
      }),
    ),
  );

  console.log('\nPer seed (delivered mean q / accepted % / cost per accepted):');
  const product = runs.get('product') as RunStats[];
  const blind = runs.get('product, cost-blind') as RunStats[];
  const defaults = runs.get('defaults only') as RunStats[];
  const uniform = runs.get('uniform') as RunStats[];
  const oracle = runs.get('oracle (best arm)') as RunStats[];
  const cell = (x: RunStats) =>
    `${(x.sumQ / x.generations).toFixed(3)} / ${((100 * x.accepted) / x.generations).toFixed(0)}% / ${x.accepted ? `$${(x.costUsd / x.accepted).toFixed(4)}` : '-'}`;
  const losses: string[] = [];
  console.log(
    table(
      [
        'seed',
        'product',
        'product, cost-blind',
        'defaults only',
        'uniform',
        'oracle (best arm)',
        'promotions',
        'product loses to',
      ],
      seeds.map((seed, i) => {
        const p = product[i];
        const lost: string[] = [];
        for (const [name, b] of [
          ['defaults', defaults[i]],
          ['uniform', uniform[i]],
        ] as const) {
          const what: string[] = [];
          if (p.sumQ < b.sumQ) what.push('mean q');
          if (p.accepted < b.accepted) what.push('accepted');
          if (p.accepted && b.accepted && p.costUsd / p.accepted > b.costUsd / b.accepted)
            what.push('cost per accepted');
          if (what.length) lost.push(`${name} on ${what.join(', ')}`);
        }
        if (lost.length) losses.push(`seed ${seed}: ${lost.join('; ')}`);
        return [
          seed,
          cell(p),
          cell(blind[i]),
          cell(defaults[i]),
          cell(uniform[i]),
          cell(oracle[i]),
          p.promotions,
          lost.join('; ') || '-',
        ];
      }),
    ),
  );
  console.log(
    losses.length
      ? `the product loses to a baseline on mean q, acceptance or cost per accepted result on ${losses.length} of ${seeds.length} seeds (last column); ` +
          'on the others it is at least as good as both on all three'
      : `the product loses to neither baseline on mean q, acceptance or cost per accepted result on any of the ${seeds.length} seeds`,
  );
  const causes = new Map<string, number[]>();
  ['product', 'product, cost-blind'].forEach((name, j) => {
    for (const r of runs.get(name) as RunStats[])
      for (const [cause, n] of Object.entries(r.versusDefaults.lost)) {
        const row = causes.get(cause) ?? [0, 0];
        row[j] += n;
        causes.set(cause, row);
      }
  });
  const won = (name: string) => sum((runs.get(name) as RunStats[]).map((x) => x.versusDefaults.won));
  console.log(
    `\nWhere the product's delivered result missed the bar while "defaults only" reached it in the same generation (same outcomes), by cause read from the decision; sum over seeds:`,
  );
  console.log(
    table(
      ['cause', 'product', 'product, cost-blind'],
      [
        ...[...causes].sort((a, b) => b[1][0] - a[1][0]).map(([cause, [a, b]]) => [cause, a, b]),
        [
          '(the reverse: the product reached the bar, defaults only did not)',
          won('product'),
          won('product, cost-blind'),
        ],
      ],
    ),
  );

  const example = product.find((x) => x.examples.rule)?.examples.rule;
  const costExample = product.find((x) => x.examples.cost)?.examples.cost;
  console.log('\nExample decision reasons (product):');
  console.log(`- a rule steering the incumbent: ${example ?? 'none in these runs'}`);
  console.log(`- cost: ${costExample ?? 'none in these runs'}`);
  console.log(`time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { seeds, generations, runs };
}

interface WorldSummary {
  contexts: number;
  seen: number;
  models: number;
  defaultsBest: number;
  variantClearlyBetter: number;
  defaultsFail: number;
  noTemplateReaches: number;
  nothingReaches: number;
}

function summarize(world: World): WorldSummary {
  const seen = new Set(world.sequence);
  const s: WorldSummary = {
    contexts: world.contexts.length,
    seen: seen.size,
    models: world.models.length,
    defaultsBest: 0,
    variantClearlyBetter: 0,
    defaultsFail: 0,
    noTemplateReaches: 0,
    nothingReaches: 0,
  };
  for (const c of world.contexts) {
    const t = c.arms.filter((a) => a.model === BUILTIN_MODEL);
    const q = (key: string) => c.hidden.get(key)?.q ?? 0;
    const def = t.find((a) => a.isDefault);
    const bestT = Math.max(...t.map((a) => q(a.key)));
    if (def && q(def.key) >= bestT) s.defaultsBest++;
    if (def && bestT >= q(def.key) + 0.05) s.variantClearlyBetter++;
    if (def && (c.hidden.get(def.key)?.failRate ?? 0) > 0) s.defaultsFail++;
    if (bestT < BAR) s.noTemplateReaches++;
    if (q(c.best.key) < BAR) s.nothingReaches++;
  }
  return s;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fmtPerDollar = (x: number, usd: number, d = 1) => (usd > 0 ? (x / usd).toFixed(d) : 'free');

function rangeText(seeds: number[]): string {
  const sorted = [...seeds].sort((a, b) => a - b);
  const contiguous = sorted.every((s, i) => i === 0 || s === sorted[i - 1] + 1);
  return contiguous && sorted.length > 2 ? `${sorted[0]}-${sorted[sorted.length - 1]}` : sorted.join(', ');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`weavergen learning bench on node ${process.version}, ${new Date().toISOString()}`);
  await benchLearning();
}
