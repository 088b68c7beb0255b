import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../node/config.js';
import type { CandidateSummary } from '../node/jobs/types.js';
import {
  type CandidateOutcome,
  createQualityPredictor,
  outcomeFromSpan,
  type PredictionQuery,
  type QualityPredictor,
} from '../node/learning/index.js';
import { createNode, type WeaverNode } from '../node/node.js';
import { startRecordedModel } from './recorded-model.js';
import { ablationPack } from './sim/ablation.js';
import { createSimModel, type SimModel } from './sim/model.js';
import { type RegistrySpec, runCopy, SYNTHETIC, writeRegistryFiles } from './sim/registries.js';
import { printReplay } from './sim/report.js';
import { generate, type Predicted, type RunRow, rowsOf } from './sim/rows.js';

export type { RegistrySpec } from './sim/registries.js';

/** The simulated model's name on the node: `openai:sim-coder`. */
export const MODEL = 'sim-coder';

/**
 * Folders of the real registry that resolve on their own into one namespace with no error: a fixed
 * set spanning size buckets, enums, deprecations and metrics (the order is the replay's; even places
 * go to the fit set, odd ones to the report set).
 */
export const BENCH_NAMESPACES = [
  'url',
  'os',
  'tls',
  'artifact',
  'vcs',
  'geo',
  'file',
  'code',
  'gcp',
  'cloudfoundry',
  'jvm',
  'service',
  'host',
  'pprof',
  'log',
  'security-rule',
  'cassandra',
  'user-agent',
  'go',
  'deployment',
  'cloud',
  'graphql',
];

/**
 * The model's context window as configured on the nodes: small enough that the larger registries are
 * cut into chunks (a namespace into parts), so chunking and the routing of feedback to chunks run too.
 */
export const CONTEXT_TOKENS = 8_000;

/** Run seeds, fixed: the fit set's registries run with FIT_SEEDS, the report set's with REPORT_SEEDS. */
export const FIT_SEEDS = [1, 2, 3];
export const REPORT_SEEDS = [101, 102, 103];

/**
 * The replay's registries, split once: the project's own (test/fixtures/mini-registry and the bench's
 * deprecation-heavy one to fit; examples/shop, the bench's numeric one and its second
 * deprecation-heavy one to report), then the real
 * registry's namespaces when it is here (even places of BENCH_NAMESPACES fit, odd ones report).
 */
export async function benchRegistries(real: string | undefined, work: string): Promise<RegistrySpec[]> {
  const own = join(process.cwd());
  const [deprecations, numbers, deprecationsReport] = Object.keys(SYNTHETIC);
  const out: RegistrySpec[] = [
    { name: 'example (mini-registry)', dir: join(own, 'test', 'fixtures', 'mini-registry'), set: 'fit' },
    { name: 'example (shop)', dir: join(own, 'examples', 'shop'), set: 'report' },
    {
      name: deprecations,
      dir: await writeRegistryFiles(join(work, 'synthetic-1'), SYNTHETIC[deprecations]),
      set: 'fit',
    },
    {
      name: numbers,
      dir: await writeRegistryFiles(join(work, 'synthetic-2'), SYNTHETIC[numbers]),
      set: 'report',
    },
    {
      name: deprecationsReport,
      dir: await writeRegistryFiles(join(work, 'synthetic-3'), SYNTHETIC[deprecationsReport]),
      set: 'report',
    },
  ];
  if (real)
    for (const [i, ns] of BENCH_NAMESPACES.entries()) {
      const dir = join(work, 'semconv', ns);
      await cp(join(real, ns), join(dir, ns), { recursive: true });
      out.push({ name: ns, dir, set: i % 2 === 0 ? 'fit' : 'report' });
    }
  return out;
}

export interface ReplayOptions {
  registries: RegistrySpec[];
  languages?: ('typescript' | 'python')[];
  fitSeeds?: number[];
  reportSeeds?: number[];
  /** run the ablation beside the loop (default true) */
  ablation?: boolean;
  /** the context window the model is configured with: smaller windows cut registries into chunks */
  contextTokens?: number;
}

export interface Replay {
  rows: RunRow[];
  /** report-set candidates of the feedback arm: predicted before they ran by the node, and the baselines */
  predictions: Predicted[];
  /** the same candidates predicted from the fit set's outcomes alone (createQualityPredictor over them), each with what the predictor was asked */
  frozen: (Predicted & { query: PredictionQuery })[];
  fitOutcomes: CandidateOutcome[];
  /** how the ablation reached the product */
  route: string;
  answers: { feedback: SimModel['answers']; ablation: SimModel['answers'] };
  /** requests the simulated model could not answer (a bug of the simulation, or a prompt it cannot read) */
  simErrors: string[];
  maxRounds: number;
}

/**
 * The reasoning loop against a simulated model (bench/sim): per registry and seed, one generation on a
 * node whose only generator is the model (`openai:sim-coder` behind a loopback OpenAI-protocol
 * server, the real SDK and the product's adapter), and the same generation on a node whose prompt
 * pack's feedback says only "answer again" (the ablation). The fit set runs first, then the report
 * set, on the same nodes: the node learns as it goes, and the report set's predictions are read off
 * its candidates.
 */
export async function replayRegistries(options: ReplayOptions): Promise<Replay> {
  const languages = options.languages ?? ['typescript', 'python'];
  const work = await mkdtemp(join(tmpdir(), 'weavergen-bench-reason-'));
  const sims = { feedback: createSimModel(), ablation: createSimModel() };
  const servers = {
    feedback: await startRecordedModel((r) => sims.feedback.respond(r)),
    ablation: await startRecordedModel((r) => sims.ablation.respond(r)),
  };
  const nodes: WeaverNode[] = [];
  try {
    const config = (load: typeof loadConfig, home: string, url: string) =>
      load(
        {
          home: join(work, home),
          api: { enabled: false },
          network: { enabled: false },
          models: {
            models: `openai:${MODEL}`,
            openai: {
              apiKey: 'bench',
              baseURL: url,
              stream: false,
              contextTokens: options.contextTokens ?? CONTEXT_TOKENS,
              maxOutputTokens: 6_000,
            },
          },
        },
        {},
      );
    const main = await createNode(await config(loadConfig, 'home-feedback', servers.feedback.url));
    nodes.push(main);
    // the ablation: on a node of its own, each language's request names a copy of the product's
    // prompt pack whose feedback template says only "answer again" (a request's pack reaches the models)
    let ablation: WeaverNode | undefined;
    const packs: Partial<Record<(typeof languages)[number], string>> = {};
    const route =
      options.ablation === false
        ? 'not run'
        : 'request.pack = a copy of the product\'s prompt pack of the language whose feedback.liquid keeps only "Correction round N: ... answer again" (one request per language).';
    if (options.ablation !== false) {
      for (const language of languages)
        packs[language] = await ablationPack(language, join(work, `ablation-pack-${language}`));
      ablation = await createNode(await config(loadConfig, 'home-ablation', servers.ablation.url));
      nodes.push(ablation);
    }
    const maxRounds = main.config.generation.maxRounds;
    const rows: RunRow[] = [];
    const predictions: Predicted[] = [];
    const frozen: Replay['frozen'] = [];
    const fitOutcomes: CandidateOutcome[] = [];
    const seen = new Map<string, number[]>();
    let fitOnly: { predictor: QualityPredictor; seen: Map<string, number[]> } | undefined;
    for (const set of ['fit', 'report'] as const) {
      if (set === 'report') {
        fitOnly = {
          predictor: createQualityPredictor(fitOutcomes),
          seen: new Map([...seen].map(([k, v]) => [k, [...v]])),
        };
      }
      const seeds = set === 'fit' ? (options.fitSeeds ?? FIT_SEEDS) : (options.reportSeeds ?? REPORT_SEEDS);
      for (const spec of options.registries.filter((r) => r.set === set))
        for (const seed of seeds) {
          const run = `${spec.name}#${seed}`;
          const dir = await runCopy(spec, join(work, 'runs', `${rows.length}`), run);
          const request = { registry: dir, languages, models: [`openai:${MODEL}`], candidates: 1 };
          sims.feedback.use(run, seed);
          const a = await generate(main, request);
          rows.push(...rowsOf(a, sims.feedback, { spec, seed, run, arm: 'feedback' }));
          for (const l of a.record.languages)
            for (const c of l.candidates) {
              const k = `${l.context}|${c.arm.key}`;
              if (set === 'report' && c.predicted !== undefined && fitOnly) {
                const base = {
                  measured: c.q,
                  attempt: c.attempt ?? 'first',
                  language: l.language,
                  registry: spec.name,
                };
                predictions.push({
                  ...base,
                  predicted: c.predicted,
                  from: c.predictedFrom ?? 0,
                  baseline: meanOf(seen.get(k)),
                });
                const query = queryOf(l.context, c);
                const p = fitOnly.predictor.predict(query);
                frozen.push({
                  ...base,
                  predicted: p.q,
                  from: p.n,
                  baseline: meanOf(fitOnly.seen.get(k)),
                  query,
                });
              }
              seen.set(k, [...(seen.get(k) ?? []), c.q]);
            }
          if (set === 'fit')
            fitOutcomes.push(
              ...(await main.spans.byGeneration(a.record.id))
                .map(outcomeFromSpan)
                .filter((o): o is CandidateOutcome => !!o),
            );
          if (ablation) {
            sims.ablation.use(run, seed);
            for (const language of languages) {
              const b = await generate(ablation, {
                ...request,
                languages: [language],
                pack: packs[language],
              });
              rows.push(...rowsOf(b, sims.ablation, { spec, seed, run, arm: 'ablation' }));
            }
          }
        }
    }
    return {
      rows,
      predictions,
      frozen,
      fitOutcomes,
      route,
      answers: { feedback: sims.feedback.answers, ablation: sims.ablation.answers },
      simErrors: [...servers.feedback.errors, ...servers.ablation.errors],
      maxRounds,
    };
  } finally {
    for (const n of nodes) await n.stop();
    await servers.feedback.close();
    await servers.ablation.close();
    await rm(work, { recursive: true, force: true });
  }
}

const meanOf = (xs?: number[]) => (xs?.length ? xs.reduce((s, x) => s + x, 0) / xs.length : undefined);

/** What the predictor is asked about a candidate, from its context key (`language|generator|size|flags`). */
const queryOf = (context: string, c: CandidateSummary): PredictionQuery => ({
  contextKey: context,
  language: context.split('|')[0],
  sizeBucket: context.split('|')[2] as PredictionQuery['sizeBucket'],
  arm: { key: c.arm.key, model: c.arm.model },
  attempt: c.attempt ?? 'first',
});

/** The replay over the bench's registries, printed (the real registry's namespaces when it is here). */
export async function benchReasoning(real: string | undefined): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'weavergen-bench-registries-'));
  try {
    await mkdir(work, { recursive: true });
    const registries = await benchRegistries(real, work);
    const replay = await replayRegistries({ registries });
    printReplay(replay, {
      real: !!real,
      fitSeeds: FIT_SEEDS,
      reportSeeds: REPORT_SEEDS,
      model: MODEL,
      contextTokens: CONTEXT_TOKENS,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
