import { percentile } from '../bench/network.js';
import { table } from '../cli/render/table.js';
import type { Health } from './index.js';
import { mean, sybilShare } from './metrics.js';
import type { NewcomerResult, RobustCell, Traffic } from './worker.js';
import { SIM_DISTRIBUTIONS } from './world.js';

export interface SimReport {
  options: {
    nodes: number;
    workers: number;
    seeds: number[];
    newcomers: number;
    judges: number;
    epochs: number;
    generationsPerEpoch: number;
    history: number;
    epochMs: number;
    horizon: number;
    budgetSeconds: number;
  };
  seedsRun: number[];
  worlds: {
    contexts: number;
    communityBest: number;
    communityBetterThanDefaults: number;
    communityBroken: number;
    defaultsWithin5: number;
  }[];
  cells: (RobustCell & { seed: number })[];
  newcomers: (NewcomerResult & { seed: number })[];
  latencies: number[];
  delivery: number[];
  /** per (seed, receiving node): the share of the digests published it received */
  perNodeDelivery: number[];
  traffic: Traffic;
  trafficSeconds: number;
  epochsRun: number;
  published: number;
  publishedBytes: number;
  refused: Record<string, number>;
  /** the nodes' networks after setup and at the end */
  setupHealth: Health;
  health: Health;
  setupSeconds: number;
  totalSeconds: number;
  roles: { honest: number; sybils: number; s20: number; newcomers: number };
}

const healthText = (h: Health) =>
  `connections min ${Math.min(...h.connections)} median ${percentile(h.connections, 0.5)}, ` +
  `digest mesh min ${Math.min(...h.meshes)} median ${percentile(h.meshes, 0.5)}, ` +
  `peer scores < 0 ${h.scores.negative} of ${h.scores.total} (graylisted ${h.scores.graylisted}, min ${h.scores.min.toFixed(1)}), ` +
  `dial failures ${h.dialFailures}, gossip repairs ${h.gossipRepairs}, refused or ignored ${JSON.stringify(h.rejections)}, ` +
  `event-loop delay per process p50/p99/max ms ${h.loopLagMs.map((l) => `${l.p50.toFixed(0)}/${l.p99.toFixed(0)}/${l.max.toFixed(0)}`).join(', ')}`;
const median = (xs: number[]) => percentile(xs, 0.5);
const pct = (x: number, d = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(d)}%` : 'n/a');
const fx = (x: number, d = 2) => (Number.isFinite(x) ? Number(x.toFixed(d)) : Number.NaN);

/** The figures of the report, as one object (the JSON line). */
export function summarize(r: SimReport) {
  const H = r.options.horizon;
  const byVariant = new Map<string, (NewcomerResult & { seed: number })[]>();
  for (const n of r.newcomers) byVariant.set(n.variant, [...(byVariant.get(n.variant) ?? []), n]);
  const newcomer = Object.fromEntries(
    [...byVariant].map(([v, xs]) => {
      const gens = xs.reduce((a, x) => a + x.generations, 0);
      return [
        v,
        {
          runs: xs.length,
          untilMedian: median(xs.map((x) => x.until)),
          untilMean: fx(mean(xs.map((x) => x.until)), 1),
          untilP90: percentile(
            xs.map((x) => x.until),
            0.9,
          ),
          neverSettled: xs.filter((x) => x.until > H).length,
          firstMedian: median(xs.map((x) => x.first)),
          deliveredOverBest: fx(mean(xs.map((x) => x.ratio)), 4),
          withinShare: fx(mean(xs.map((x) => x.withinShare)), 4),
          badRun: fx(xs.reduce((a, x) => a + x.badRun, 0) / gens, 4),
          badDelivered: fx(xs.reduce((a, x) => a + x.badDelivered, 0) / gens, 4),
        },
      ];
    }),
  );
  const groups = new Map<string, RobustCell>();
  for (const c of r.cells) {
    const key = `${c.scenario}|${c.aggregator}|${c.view}`;
    const g = groups.get(key) ?? {
      ...c,
      cases: 0,
      unchanged: 0,
      badTop: 0,
      draws: 0,
      badDraws: 0,
      tauSum: 0,
      tauN: 0,
    };
    g.cases += c.cases;
    g.unchanged += c.unchanged;
    g.badTop += c.badTop;
    g.draws += c.draws;
    g.badDraws += c.badDraws;
    g.tauSum += c.tauSum;
    g.tauN += c.tauN;
    groups.set(key, g);
  }
  const sybils = Object.fromEntries(
    [...groups].map(([k, g]) => [
      k,
      {
        cases: g.cases,
        unchanged: fx(g.unchanged / g.cases, 4),
        badTop: fx(g.badTop / g.cases, 4),
        badDrawn: fx(g.badDraws / g.draws, 4),
        tau: fx(g.tauSum / g.tauN, 3),
      },
    ]),
  );
  const nodeEpochs = r.options.nodes * r.epochsRun;
  const gossip = {
    digestsPerEpoch: fx(r.published / Math.max(1, r.epochsRun), 1),
    digestBytesMean: fx(r.publishedBytes / Math.max(1, r.published), 0),
    digestCopiesPerNodePerEpoch: fx(r.traffic.digestMessages / nodeEpochs, 1),
    digestBytesPerNodePerEpoch: fx(r.traffic.digestBytes / nodeEpochs, 0),
    rpcsPerNodePerEpoch: fx(r.traffic.rpcs / nodeEpochs, 1),
    rpcBytesPerNodePerEpoch: fx(r.traffic.rpcBytes / nodeEpochs, 0),
    secondsPerEpoch: fx(r.trafficSeconds / Math.max(1, r.epochsRun), 2),
    propagationP50Ms: fx(percentile(r.latencies, 0.5), 1),
    propagationP99Ms: fx(percentile(r.latencies, 0.99), 1),
    propagationMaxMs: fx(percentile(r.latencies, 1), 1),
    deliveryMean: fx(mean(r.delivery), 4),
    deliveryMin: fx(Math.min(...r.delivery), 4),
    oversizedRpcs: r.traffic.oversizedRpcs,
    largestRpcBytes: r.traffic.largestRpcBytes,
  };
  return {
    sim: 'weavergen',
    nodes: r.options.nodes,
    processes: r.options.workers,
    seeds: r.seedsRun.length,
    seedsAsked: r.options.seeds.length,
    seedList: r.seedsRun,
    roles: r.roles,
    sybilShares: {
      s20: fx(sybilShare(r.roles.honest, r.roles.s20), 3),
      s40: fx(sybilShare(r.roles.honest, r.roles.sybils), 3),
    },
    newcomer,
    sybils,
    gossip,
    refused: r.refused,
    health: healthText(r.health),
    seconds: fx(r.totalSeconds, 1),
  };
}

const rangeText = (seeds: number[]) => {
  const s = [...seeds].sort((a, b) => a - b);
  return s.length > 2 && s.every((x, i) => i === 0 || x === s[i - 1] + 1)
    ? `${s[0]}-${s.at(-1)}`
    : s.join(', ');
};

export function printReport(r: SimReport, developmentSeeds: number[]): void {
  const s = summarize(r);
  const o = r.options;
  const dev = r.seedsRun.filter((x) => developmentSeeds.includes(x));
  console.log(JSON.stringify(s));
  console.log(
    `\n## sim: ${o.nodes} real libp2p nodes on 127.0.0.1 in ${o.workers} processes, ${r.seedsRun.length} of ${o.seeds.length} world seeds`,
  );
  console.log(
    `world seeds: ${rangeText(r.seedsRun)}${dev.length ? ` (includes development seeds ${dev.join(', ')}: not a held-out figure)` : ` (held out: developed on seeds ${developmentSeeds.join(', ')} only)`}` +
      (r.seedsRun.length < o.seeds.length ? `; stopped at the time budget (${o.budgetSeconds} s)` : ''),
  );
  console.log(
    [
      'Real: the libp2p nodes and gossipsub, the anonymizer (protocols/anonymizer.ts, through Network.buildDigest: k 5, epsilon 1, budget 365/year, CSPRNG noise),',
      "signatures and validation on receipt, the marketplace (createMarketplace with the product's defaults: receiveDigest with the node's own statistics, recheck after its generations, priorsFor, ratings),",
      "and for the new nodes the node's choice path (chooseArms, the optimizer, LevelDB, span ingestion, promotion review).",
      'Simulated: the generations. Their qualities are drawn from hidden per-context arm qualities (bench/learning-world.ts, plus the community and bad packs of',
      `sim/world.ts: ${SIM_DISTRIBUTIONS.community.packs} community packs per language of ${SIM_DISTRIBUTIONS.community.variants} variants, q ${SIM_DISTRIBUTIONS.community.strong.join('-')} on contexts with their strong feature, ` +
        `${SIM_DISTRIBUTIONS.community.elsewhere.join('-')} elsewhere, broken on a weak feature with p=${SIM_DISTRIBUTIONS.community.breaks}; a bad pack per language, q ${SIM_DISTRIBUTIONS.bad.nominal.join('-')} failing to compile ${100 * SIM_DISTRIBUTIONS.bad.failRate}% of the time),`,
      'nothing is rendered or compiled. Model arms are left out (templates only). Honest peers learn with a light loop (pack defaults + one Thompson challenger over',
      "the optimizer's posterior, no network priors); only the new nodes run the full choice path. Sybils know the hidden qualities (the worst case).",
      `Not the product's settings, because this is one machine: epochs of ${o.epochMs / 1000} s, not 24 h (per-author and per-relay digest rate limits raised to match);`,
      "every node on 127.0.0.1 (gossipsub's IP-colocation score and the per-IP inbound connection limits off); connection upkeep every 2 s. The rest is the default.",
      `Per seed: ${r.roles.newcomers} new nodes (receive only), ${r.roles.honest} honest publishers, ${r.roles.sybils} sybils; each project 1-4 contexts of the world; ` +
        `${Math.min(o.judges, r.roles.honest)} honest nodes (evenly spaced) and the new nodes keep marketplaces and are judged; ` +
        `every honest project has run ${o.history} generations before the first epoch (the network's age: statistics are cumulative); ` +
        `${o.epochs} epochs of ${o.epochMs} ms, ${o.generationsPerEpoch} generations per honest project before each; a new node then runs ${o.horizon} generations.`,
      `Sybils publish, for every context, the bad pack at q 0.97 and the 3 best honest arms (they know the hidden qualities) at q 0.35, n 30 each.`,
      `Scenarios from the same received digests, by author: honest only; 20% (${r.roles.s20} sybils, ${pct(s.sybilShares.s20)} of the digests); 40% (${r.roles.sybils} sybils, ${pct(s.sybilShares.s40)}).`,
    ].join('\n'),
  );
  const worlds = r.worlds;
  const w = (f: (x: (typeof worlds)[number]) => number) => fx(mean(worlds.map(f)), 1);
  console.log(
    `worlds (mean per seed): ${w((x) => x.contexts)} contexts; a community arm is the best arm in ${w((x) => x.communityBest)}, ` +
      `beats the pack defaults in ${w((x) => x.communityBetterThanDefaults)}, a community arm is broken in ${w((x) => x.communityBroken)}; ` +
      `the pack defaults are within 5% of the best in ${w((x) => x.defaultsWithin5)}`,
  );

  console.log(
    `\n1. A new node: generations until within 5% of the best arm's hidden q and staying there (over its ${o.horizon} generations; ${o.horizon + 1} = never settled); ${s.newcomer.none?.runs ?? 0} new nodes per variant`,
  );
  const label: Record<string, string> = {
    none: 'no priors (baseline)',
    'none:flat': 'no priors, no structure prior (ablation)',
    'robust:honest': 'network priors (robust), honest peers only',
    'exact:honest': 'network priors without back-off, honest only',
    'robust:s20': 'network priors (robust), 20% sybils',
    'robust:s40': 'network priors (robust), 40% sybils',
    'clipped:s20': 'network priors (robust without consensus), 20% sybils',
    'clipped:s40': 'network priors (robust without consensus), 40% sybils',
    'weighted:s20': 'network priors (plain weighted mean), 20% sybils',
    'weighted:s40': 'network priors (plain weighted mean), 40% sybils',
  };
  console.log(
    table(
      [
        'new node',
        'median',
        'mean',
        'p90',
        'never',
        'first within 5%',
        'gens within 5%',
        'delivered/best',
        'bad pack run',
        'bad pack delivered',
      ],
      Object.entries(s.newcomer).map(([v, x]) => [
        label[v] ?? v,
        x.untilMedian,
        x.untilMean,
        x.untilP90,
        x.neverSettled,
        x.firstMedian,
        pct(x.withinShare),
        x.deliveredOverBest.toFixed(3),
        pct(x.badRun),
        pct(x.badDelivered),
      ]),
    ),
  );
  const withP = s.newcomer['robust:honest']?.untilMedian ?? Number.NaN;
  const without = s.newcomer.none?.untilMedian ?? Number.NaN;
  console.log(
    `goal: with priors <= 10 (median ${withP}: ${withP <= 10 ? 'met' : 'not met'}), without >= 60 (median ${without}: ${without >= 60 ? 'met' : 'not met'})`,
  );

  console.log(
    '\n2. Sybils. "peer": an honest node (its own evidence + the priors); "new": the priors alone. Top choice = highest posterior mean; ' +
      'unchanged = same top choice as with honest digests only; bad drawn = a bad-pack arm is the Thompson challenger (20 draws per case); ' +
      'tau = Kendall tau-b of the arms ranked by the aggregate mean against the same aggregate over honest digests only.',
  );
  console.log(
    [
      "Aggregates, each node's own, over the same received digests: robust = the product's marketplace (createMarketplace defaults: trust earned by agreeing with",
      "the node's own measurements, times agreement with the other peers' consensus, per-peer cap, noise discount, each peer's mean clipped at the trust-weighted",
      'median, each arm counted by its support); clipped = the same without the consensus factor and support (priorsFor with consensus: false, the ablation);',
      'weighted mean = the plain weighted mean without them (robust: false, consensus: false: trust weights and caps only); plain mean = computed here from the',
      'received digests (sum q / sum n over every entry: no trust, no caps, no clipping), scaled to 100 pseudo-observations. All are counted beside local outcomes as the',
      'optimizer counts network priors (node/optimizer/network.ts: at most 20, halved at 10 local outcomes).',
    ].join('\n'),
  );
  const rows: (string | number)[][] = [];
  for (const scenario of ['s20', 's40', 'honest'])
    for (const view of ['peer', 'new'])
      for (const aggregator of ['robust', 'clipped', 'weighted', 'plain']) {
        const x = s.sybils[`${scenario}|${aggregator}|${view}`];
        if (!x) continue;
        rows.push([
          scenario === 'honest' ? 'none' : scenario === 's20' ? '20%' : '40%',
          view,
          aggregator === 'weighted' ? 'weighted mean' : aggregator === 'plain' ? 'plain mean' : aggregator,
          x.cases,
          pct(x.unchanged),
          pct(x.badTop),
          pct(x.badDrawn),
          Number.isFinite(x.tau) ? x.tau.toFixed(3) : 'n/a',
        ]);
      }
  console.log(
    table(['sybils', 'view', 'aggregate', 'cases', 'top unchanged', 'bad top', 'bad drawn', 'tau'], rows),
  );
  const m20 = s.sybils['s20|robust|peer'];
  if (m20)
    console.log(
      `goal at 20% (robust aggregate, honest nodes): top unchanged >= 95% (${pct(m20.unchanged)}: ${m20.unchanged >= 0.95 ? 'met' : 'not met'}), ` +
        `bad pack chosen < 3% (top ${pct(m20.badTop)}, drawn ${pct(m20.badDrawn)}, new nodes ran it in ${pct(s.newcomer['robust:s20']?.badRun ?? Number.NaN)} of generations: ` +
        `${Math.max(m20.badTop, m20.badDrawn, s.newcomer['robust:s20']?.badRun ?? 1) < 0.03 ? 'met' : 'not met'})`,
    );

  const g = s.gossip;
  console.log(`\n3. Gossip cost at ${o.nodes} nodes (${r.epochsRun} epochs over ${r.seedsRun.length} seeds)`);
  console.log(
    table(
      ['what', 'value'],
      [
        ['digests published per epoch', g.digestsPerEpoch],
        ['mean digest size (JSON bytes)', g.digestBytesMean],
        ['digest messages received per node per epoch (all copies)', g.digestCopiesPerNodePerEpoch],
        ['digest bytes received per node per epoch (all copies)', g.digestBytesPerNodePerEpoch],
        [`gossipsub RPCs received per node per epoch (${g.secondsPerEpoch} s epochs)`, g.rpcsPerNodePerEpoch],
        [
          `gossipsub RPC bytes received per node per epoch (${g.secondsPerEpoch} s epochs)`,
          g.rpcBytesPerNodePerEpoch,
        ],
        ['propagation p50 ms (publish to receipt, every other node)', g.propagationP50Ms],
        ['propagation p99 ms', g.propagationP99Ms],
        ['propagation max ms', g.propagationMaxMs],
        ['delivery (mean / worst seed)', `${g.deliveryMean} / ${g.deliveryMin}`],
        [
          `RPCs sent carrying more than a receiver's frame limit (${4 * 128} KiB; largest ${Math.round(g.largestRpcBytes / 1024)} KiB)`,
          g.oversizedRpcs,
        ],
        [
          'per receiving node: share of the digests received (min / p10 / median)',
          `${fx(Math.min(...r.perNodeDelivery), 3)} / ${fx(percentile(r.perNodeDelivery, 0.1), 3)} / ${fx(percentile(r.perNodeDelivery, 0.5), 3)}`,
        ],
      ],
    ),
  );
  console.log(
    'RPC figures include control traffic (IHAVE/IWANT/GRAFT, heartbeat gossip) over the seconds an epoch lasted here; at 24 h epochs the control share per epoch is larger and the digest share the same.',
  );
  if (Object.keys(r.refused).length) console.log(`digests not built: ${JSON.stringify(r.refused)}`);
  console.log(`network after setup: ${healthText(r.setupHealth)}`);
  console.log(`network at the end: ${healthText(r.health)}`);
  console.log(`setup ${r.setupSeconds.toFixed(1)} s, total ${r.totalSeconds.toFixed(1)} s`);
}
