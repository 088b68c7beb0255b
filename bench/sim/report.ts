import { table } from '../../cli/render/table.js';
import { type CandidateOutcome, createQualityPredictor } from '../../node/learning/index.js';
import type { Replay } from '../reasoning.js';
import { BASE_WEIGHT, CLEAN, NEW_DEFECT, RATE } from './defects.js';
import { printFindings, printNaming } from './findings.js';
import { f3, kinds, mean, type Predicted, type RunRow, sd, wrong } from './rows.js';

export type { Predicted, RunRow } from './rows.js';

export interface ReplayInfo {
  real: boolean;
  fitSeeds: number[];
  reportSeeds: number[];
  model: string;
  contextTokens: number;
}

export function printReplay(r: Replay, info: ReplayInfo) {
  const fb = r.rows.filter((x) => x.arm === 'feedback');
  const ab = r.rows.filter((x) => x.arm === 'ablation');
  const registries = [...new Map(fb.map((x) => [x.registry, x.set])).entries()];
  const languages = [...new Set(fb.map((x) => x.language))];
  console.log(
    `\n## reasoning loop against a simulated model (${registries.length} registries, ${languages.join(' and ')}, ${fb.length} generations per arm)`,
  );
  console.log(
    [
      `Simulated: \`openai:${info.model}\`, a program behind a loopback OpenAI-protocol server (the real openai SDK and the product's adapter talk to it; bench/sim/).`,
      "It reads only the request: it writes every item the prompt's registry section lists, in the prompt pack's conventions, with defects drawn",
      `from seeds: per (namespace, model, run seed) a profile, a clean first answer with p=${CLEAN}, else each item wrong with p=lambda ~ U(${RATE.join(', ')})`,
      `(seed per item, so first answers do not depend on chunking or prompt variant), its kind by weight base x Exp(1) drawn per profile, base: ${Object.entries(
        BASE_WEIGHT,
      )
        .map(([k, w]) => `${k} ${w}`)
        .join(', ')}.`,
      "Asked again, it reads its previous files back from the prompt and fixes only the defects the feedback names (a line holding the symbol's",
      `official or emitted name or its registry key, or a compiler diagnostic at its file:line); with p_new ~ U(${NEW_DEFECT.join(', ')}) per seed it makes one new defect;`,
      "without previous files in the prompt it answers anew (another draw). It never reads the registry files or the built-in pack's output.",
      'Truth ("defects" below): the correctness defects the model knows its answer has against the prompt\'s registry section (syntax, wrong name,',
      "wrong value, unmarked or falsely marked deprecation, invented, missing); q is the product's own score.",
      `Seeds: fit registries run with seeds ${info.fitSeeds.join(', ')}; report registries with ${info.reportSeeds.join(', ')}. Rounds at most ${r.maxRounds}; one candidate a round;`,
      `the model's context window ${info.contextTokens} tokens (larger registries are cut into chunks, a namespace into parts).`,
      `Fit set: ${registries
        .filter(([, s]) => s === 'fit')
        .map(([n]) => n)
        .join(', ')}.`,
      `Report set: ${registries
        .filter(([, s]) => s === 'report')
        .map(([n]) => n)
        .join(', ')}.`,
      info.real ? '' : "The real registry is not here: only the project's own registries ran.",
      `Ablation (same seeds, same run): ${r.route}`,
      "The node's optimizer picks the prompt variant (detail full or brief) by unseeded Thompson sampling: chunking, and with it the draws of",
      'the corrections, can differ between runs; first answers cannot (drawn per item).',
    ]
      .filter(Boolean)
      .join('\n'),
  );

  // per registry and language, over its seeds
  const rows = registries.flatMap(([name, set]) =>
    languages.map((language) => {
      const a = fb.filter((x) => x.registry === name && x.language === language);
      const b = ab.filter((x) => x.registry === name && x.language === language);
      const injected: Record<string, number> = {};
      for (const x of a)
        for (const [k, n] of Object.entries(x.injected)) injected[k] = (injected[k] ?? 0) + n;
      return [
        name,
        set,
        language,
        a.length,
        kinds(injected),
        f3(mean(a.map((x) => x.first.q))),
        a.reduce((n, x) => n + x.first.defects.length, 0),
        f3(mean(a.map((x) => x.final.q))),
        a.reduce((n, x) => n + x.final.defects.length, 0),
        a.filter(wrong).length,
        mean(a.map((x) => x.rounds)).toFixed(2),
        a.reduce((n, x) => n + x.tokens, 0),
        b.length ? f3(mean(b.map((x) => x.final.q))) : '-',
        b.length ? b.reduce((n, x) => n + x.final.defects.length, 0) : '-',
        b.length ? b.filter(wrong).length : '-',
      ];
    }),
  );
  console.log(
    '\nper registry and language, summed or averaged over its seeds (feedback: the product as it is; ablation: feedback emptied)',
  );
  console.log(
    table(
      [
        'registry',
        'set',
        'language',
        'seeds',
        'defects injected (round 1)',
        'q round 1',
        'defects r1',
        'q final',
        'defects final',
        'wrong finals',
        'rounds',
        'tokens',
        'ablation q final',
        'abl. defects',
        'abl. wrong',
      ],
      rows,
    ),
  );

  // totals
  const total = (name: string, xs: typeof fb) => {
    const left = xs.filter((x) => wrong(x) && x.rounds < r.maxRounds);
    return [
      name,
      xs.length,
      f3(mean(xs.map((x) => x.first.q))),
      xs.reduce((n, x) => n + x.first.defects.length, 0),
      f3(mean(xs.map((x) => x.final.q))),
      xs.reduce((n, x) => n + x.final.defects.length, 0),
      `${xs.filter(wrong).length}/${xs.length}`,
      xs.filter((x) => wrong(x) && x.accepted).length,
      left.length,
      mean(xs.map((x) => x.rounds)).toFixed(2),
      xs.reduce((n, x) => n + x.tokens, 0),
    ];
  };
  console.log('\ntotals');
  console.log(
    table(
      [
        'arm',
        'answers',
        'q round 1',
        'defects r1',
        'q final',
        'defects final',
        'still wrong',
        'accepted while wrong',
        'stopped wrong, rounds left',
        'rounds',
        'tokens',
      ],
      [total('loop with feedback', fb), ...(ab.length ? [total('ablation (feedback emptied)', ab)] : [])],
    ),
  );
  if (ab.length) printDifference(fb, ab, info);
  printNaming(r);
  printFindings(r, fb);
  printPrediction(r);
}

/** Loop minus ablation, paired on (registry, seed, language): by seed slot, and a bootstrap interval. */
function printDifference(fb: RunRow[], ab: RunRow[], info: { fitSeeds: number[]; reportSeeds: number[] }) {
  const pairs = fb.flatMap((a) => {
    const b = ab.find((x) => x.run === a.run && x.language === a.language);
    return b
      ? [{ a, b, dq: a.final.q - b.final.q, dd: b.final.defects.length - a.final.defects.length }]
      : [];
  });
  const slots = info.fitSeeds.map((s, i) => ({
    label: `${s}/${info.reportSeeds[i] ?? '-'}`,
    seeds: [s, info.reportSeeds[i]],
  }));
  const bySlot = slots.map((s) => pairs.filter((p) => s.seeds.includes(p.a.seed)));
  const slotMeans = bySlot.map((ps) => mean(ps.map((p) => p.dq)));
  // paired bootstrap over (registry, seed, language), fixed seed
  let x = 12345;
  const rand = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 4294967296;
  };
  const boots = Array.from({ length: 2000 }, () =>
    mean(pairs.map(() => pairs[Math.floor(rand() * pairs.length)].dq)),
  ).sort((p, q) => p - q);
  console.log('\nloop with feedback minus ablation, paired on (registry, seed, language)');
  console.log(
    table(
      [
        'seed slot (fit/report)',
        'pairs',
        'final q: feedback',
        'ablation',
        'difference',
        'fewer final defects',
        'wrong finals: feedback',
        'ablation',
      ],
      bySlot.map((ps, i) => [
        slots[i].label,
        ps.length,
        f3(mean(ps.map((p) => p.a.final.q))),
        f3(mean(ps.map((p) => p.b.final.q))),
        f3(slotMeans[i]),
        ps.reduce((n, p) => n + p.dd, 0),
        ps.filter((p) => wrong(p.a)).length,
        ps.filter((p) => wrong(p.b)).length,
      ]),
    ),
  );
  console.log(
    `final q difference ${f3(mean(pairs.map((p) => p.dq)))} (sd over seed slots ${f3(sd(slotMeans))}; paired bootstrap 95% interval ${f3(boots[50] ?? 0)} .. ${f3(boots[1949] ?? 0)}); ` +
      `feedback better in ${pairs.filter((p) => p.dq > 0).length}, equal in ${pairs.filter((p) => p.dq === 0).length}, worse in ${pairs.filter((p) => p.dq < 0).length} of ${pairs.length} pairs; ` +
      `first rounds identical in ${pairs.filter((p) => p.a.first.q === p.b.first.q).length}/${pairs.length} (same seeds)`,
  );
}

const withinRows = (name: string, xs: Predicted[]) => {
  const score = (f: (p: Predicted) => number | undefined) => {
    const scored = xs.filter((p) => f(p) !== undefined);
    const near = scored.filter((p) => Math.abs(f(p)! - p.measured) <= 0.1).length;
    const pass = scored.filter((p) => f(p)! >= 0.9 === p.measured >= 0.9).length;
    const pct = (k: number) => (scored.length ? `${((100 * k) / scored.length).toFixed(0)}%` : '-');
    return [
      scored.length,
      `${near}/${scored.length} (${pct(near)})`,
      `${pass}/${scored.length} (${pct(pass)})`,
      scored.length ? f3(mean(scored.map((p) => Math.abs(f(p)! - p.measured)))) : '-',
    ];
  };
  return [
    [name, 'learned (node/learning/predict.ts)', ...score((p) => p.predicted)],
    ['', 'baseline: arm mean in context', ...score((p) => p.baseline)],
  ];
};

function printPrediction(r: Replay) {
  const groups = (ps: Predicted[]): [string, Predicted[]][] => [
    ['all report candidates', ps],
    ['first answers', ps.filter((p) => p.attempt === 'first')],
    ['answers to feedback', ps.filter((p) => p.attempt === 'correction')],
    ...[...new Set(ps.map((p) => p.language))].map((l): [string, Predicted[]] => [
      l,
      ps.filter((p) => p.language === l),
    ]),
  ];
  console.log(
    '\nquality predicted before each candidate ran vs measured after, REPORT SET ONLY (registries and seeds the fit set did not have);\n' +
      'the node: fit generations first, then report generations on the same node (it keeps learning from earlier report generations, as in use)',
  );
  console.log(
    table(
      ['candidates', 'predictor', 'n', 'within 0.1', 'pass/fail right (q >= 0.9)', 'mean |error|'],
      groups(r.predictions).flatMap(([n, xs]) => withinRows(n, xs)),
    ),
  );
  console.log(
    "the same report candidates predicted from the fit set's outcomes alone (no report outcome learned)",
  );
  console.log(
    table(
      ['candidates', 'predictor', 'n', 'within 0.1', 'pass/fail right (q >= 0.9)', 'mean |error|'],
      groups(r.frozen).flatMap(([n, xs]) => withinRows(n, xs)),
    ),
  );
  const all = r.predictions;
  const near = all.filter((p) => Math.abs(p.predicted - p.measured) <= 0.1).length;
  console.log(
    `goal of issue 12: within 0.1 on at least 80% of the report candidates: ${all.length ? `${((100 * near) / all.length).toFixed(1)}%` : '-'} (${near}/${all.length}), ${all.length && near >= 0.8 * all.length ? 'met' : 'NOT met'}`,
  );
  printTuning(r.fitOutcomes);
}

/** predict.ts's strength, tried on the fit set only: each fit outcome predicted from the fit outcomes before it. */
function printTuning(outcomes: CandidateOutcome[]) {
  const ordered = [...outcomes].sort((a, b) => a.at - b.at);
  const settings = (['mean', 'median'] as const).flatMap((estimator) =>
    [0.2, 0.5, 1, 2, 5].map((strength) => ({ estimator, strength })),
  );
  const rows = settings.map(({ estimator, strength }) => {
    const errors = ordered.slice(1).map((o, i) => {
      const p = createQualityPredictor(ordered.slice(0, i + 1), { strength, estimator }).predict({
        contextKey: o.contextKey,
        language: o.context.language,
        sizeBucket: o.context.sizeBucket,
        arm: o.arm,
        attempt: o.attempt ?? 'first',
      });
      return Math.abs(p.q - o.q);
    });
    const near = errors.filter((e) => e <= 0.1).length;
    return [
      estimator,
      strength,
      errors.length,
      `${near}/${errors.length} (${errors.length ? ((100 * near) / errors.length).toFixed(0) : '-'}%)`,
      f3(mean(errors)),
    ];
  });
  console.log(
    'predict.ts estimator and strength on the FIT SET (each fit candidate predicted from the fit outcomes before it; report set not used)',
  );
  console.log(table(['estimator', 'strength', 'n', 'within 0.1', 'mean |error|'], rows));
}
