import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Context, ROOT_CONTEXT, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { table } from '../cli/render/table.js';
import { paramsHash } from '../marketplace/pack-id.js';
import type { Language } from '../node/generation/index.js';
import { contextKey, type GenerationContext, type SizeBucket } from '../node/learning/context.js';
import { type ArmRef, armKey, candidateAttributes, contextAttributes } from '../node/learning/features.js';
import { createLearning, type Learning } from '../node/learning/index.js';
import { type Arm, armQualities, createOptimizer } from '../node/optimizer/index.js';
import { type Random, seededRandom } from '../node/optimizer/random.js';
import { createStore, type Store } from '../node/storage/index.js';
import { ATTR, SPAN } from '../node/telemetry/conventions.js';
import { createTelemetry } from '../node/telemetry/index.js';

/**
 * Learning at scale (issue 16): a LevelDB span store filled through the product's own write path
 * (the SDK tracer, the batch processor, the LevelDB exporter) with generations shaped like the
 * product's (generation, resolve, choose, reasoning, candidate + validate, consensus, output spans
 * with the attributes learning reads), drawn from a seeded PRNG over several contexts and arms.
 * Baseline, in the same run on the same store: a plain scan (iterate every stored span record,
 * decode it, nothing else). Each learning computation is timed against it, cold (a fresh Learning
 * on the store, as a node that just started) except the last (a node answering GET /v1/insights
 * again after a generation), and its live heap growth is sampled at 20k and at 100k spans: bounded
 * memory means both stay under a bound that does not depend on the store's size (HEAP_BOUND_MB).
 *
 * env: WEAVERGEN_BENCH_SCALE_SPANS (default 100000), WEAVERGEN_BENCH_SCALE_SMALL (20000),
 * WEAVERGEN_BENCH_SCALE_RUNS (repetitions per size, medians reported; default 3).
 */
export async function benchLearningScale(): Promise<void> {
  const big = Number(process.env.WEAVERGEN_BENCH_SCALE_SPANS ?? 100_000);
  const small = Number(process.env.WEAVERGEN_BENCH_SCALE_SMALL ?? 20_000);
  const runs = Math.max(1, Number(process.env.WEAVERGEN_BENCH_SCALE_RUNS ?? 3));
  const gc = exposeGc();
  const dir = await mkdtemp(join(tmpdir(), 'weavergen-bench-scale-'));
  const started = performance.now();
  try {
    const results = new Map<number, SizeResult>();
    for (const size of [small, big]) {
      const base = join(dir, `base-${size}`);
      const filled = await fill(base, size, 16);
      const reps: RunResult[] = [];
      let memory: RunResult | undefined;
      // every repetition on its own copy of the filled store, so each computation starts cold; one
      // more repetition samples the live heap instead of timing
      for (let r = 0; r <= runs; r++) {
        const copy = join(dir, `run-${size}-${r}`);
        await cp(base, copy, { recursive: true });
        const result = await measureOnce(copy, filled, gc, r === runs);
        if (r === runs) memory = result;
        else reps.push(result);
        await rm(copy, { recursive: true, force: true });
      }
      results.set(size, { filled, reps, memory: memory as RunResult });
    }
    report(results, small, big, runs, (performance.now() - started) / 1000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// the world: contexts, arms, quality

const LANGUAGES: Language[] = ['typescript', 'python', 'go', 'rust', 'java'];
const SIZES: SizeBucket[] = ['xs', 's', 'm', 'l', 'xl'];
const MODELS = ['gpt-4o-mini', 'gpt-4.1'];

interface World {
  contexts: GenerationContext[];
  /** context weights (a few busy contexts, a long tail) */
  weights: number[];
  armsOf(c: GenerationContext): Arm[];
  /** the true mean quality of an arm in a context */
  meanOf(c: GenerationContext, a: Arm): number;
}

function cid(random: Random): string {
  const abc = 'abcdefghijklmnopqrstuvwxyz234567';
  let s = 'bafkrei';
  for (let i = 0; i < 52; i++) s += abc[Math.floor(random() * abc.length)];
  return s;
}

function makeArm(
  language: string,
  packId: string,
  packName: string,
  params: Record<string, string>,
  model: string,
  isDefault: boolean,
): Arm {
  const hash = paramsHash(params);
  return {
    key: armKey({ packId, paramsHash: hash, model }),
    packId,
    packName,
    language,
    params,
    paramsHash: hash,
    model,
    isDefault,
  };
}

function drawWorld(seed: number, nContexts: number): World {
  const random = seededRandom(seed);
  const templateArms = new Map<string, Arm[]>();
  const modelArms = new Map<string, Arm[]>();
  for (const language of LANGUAGES) {
    const packId = cid(random);
    const arms: Arm[] = [];
    for (const doc_style of ['full', 'brief', 'none'])
      for (const naming of ['camel', 'snake'])
        for (const enum_style of ['const', 'union'])
          arms.push(
            makeArm(
              language,
              packId,
              `${language}-semconv`,
              { doc_style, enum_style, naming },
              'builtin',
              arms.length === 0,
            ),
          );
    templateArms.set(language, arms);
    const promptId = cid(random);
    modelArms.set(
      language,
      MODELS.flatMap((model) =>
        ['guided', 'terse'].map((style, i) =>
          makeArm(language, promptId, `${language}-prompt`, { style }, model, i === 0),
        ),
      ),
    );
  }
  const contexts: GenerationContext[] = [];
  const seen = new Set<string>();
  while (contexts.length < nContexts) {
    const c: GenerationContext = {
      language: LANGUAGES[Math.floor(random() * LANGUAGES.length)],
      generator: random() < 0.75 ? 'builtin' : 'openai',
      sizeBucket: SIZES[Math.floor(random() * SIZES.length)],
      hasEnums: random() < 0.7,
      hasTemplates: random() < 0.3,
      hasDeprecated: random() < 0.5,
      hasMetrics: random() < 0.6,
    };
    if (seen.has(contextKey(c))) continue;
    seen.add(contextKey(c));
    contexts.push(c);
  }
  const weights = contexts.map((_, i) => 1 / (i + 1));
  const means = new Map<string, number>();
  return {
    contexts,
    weights,
    armsOf: (c) => (c.generator === 'builtin' ? templateArms : modelArms).get(c.language) ?? [],
    meanOf(c, a) {
      const k = `${contextKey(c)}|${a.key}`;
      let m = means.get(k);
      if (m === undefined) {
        m = 0.45 + 0.5 * random();
        if (a.params.doc_style === 'none' && c.hasDeprecated) m -= 0.2;
        if (a.params.enum_style === 'union' && c.language === 'go') m -= 0.3;
        if (a.model === 'gpt-4o-mini' && (c.sizeBucket === 'l' || c.sizeBucket === 'xl')) m -= 0.25;
        means.set(k, m);
      }
      return m;
    },
  };
}

function pick<T>(random: Random, xs: T[], weights?: number[]): T {
  if (!weights) return xs[Math.floor(random() * xs.length)];
  const total = weights.reduce((a, b) => a + b, 0);
  let u = random() * total;
  for (let i = 0; i < xs.length; i++) {
    u -= weights[i];
    if (u <= 0) return xs[i];
  }
  return xs[xs.length - 1];
}

const clamp = (x: number) => Math.min(1, Math.max(0, x));

// ---------------------------------------------------------------------------------------------
// filling the store through the product's write path

interface Filled {
  spans: number;
  candidates: number;
  generations: number;
  /** the busiest context and its arms (what the arms view and the optimizer are asked about) */
  context: GenerationContext;
  arms: Arm[];
  world: World;
  /** where the simulated clock stands: the next generation starts here */
  nextAt: number;
  seed: number;
}

const T0 = 1_760_000_000_000;

/** One generation's spans, as runGeneration, the reasoning loop and the orchestra emit them. */
function emitGeneration(
  tracer: Tracer,
  world: World,
  random: Random,
  g: number,
  at: number,
): { spans: number; candidates: number } {
  const context = pick(random, world.contexts, world.weights);
  const arms = world.armsOf(context);
  const id = `gen-${g.toString(36).padStart(8, '0')}`;
  const ids = { [ATTR.generationId]: id };
  const cattrs = { ...contextAttributes(context), ...ids, [ATTR.language]: context.language };
  let t = at;
  let spans = 0;
  let candidates = 0;
  const start = (name: string, attributes: Record<string, string | number | boolean>, parent: Context) => {
    spans++;
    return tracer.startSpan(name, { attributes, startTime: t }, parent);
  };
  const root = start(SPAN.generation, { ...ids, 'weavergen.languages': context.language }, ROOT_CONTEXT);
  root.setAttribute(ATTR.cached, false);
  const rctx = trace.setSpan(ROOT_CONTEXT, root);
  const resolve = start(SPAN.resolve, ids, rctx);
  t += 40 + Math.floor(random() * 200);
  resolve.setAttributes({
    'weavergen.registry.files': 1 + Math.floor(random() * 40),
    'weavergen.registry.attributes': 10 + Math.floor(random() * 2000),
    'weavergen.registry.errors': 0,
    'weavergen.registry.warnings': Math.floor(random() * 5),
  });
  resolve.end(t);
  const choose = start(SPAN.choose, cattrs, rctx);
  const k = Math.min(3, arms.length);
  const chosen = Array.from({ length: k }, () => pick(random, arms));
  choose.setAttributes({
    [ATTR.chosen]: chosen.map((a) => a.key).join(','),
    [ATTR.alternatives]: arms.length - k,
    [ATTR.reason]: 'incumbent (pack defaults) plus Thompson challengers drawn from local evidence',
  });
  t += 2;
  choose.end(t);
  const rounds = random() < 0.2 ? 2 : 1;
  let best = 0;
  let bestArm = chosen[0];
  for (let round = 1; round <= rounds; round++) {
    const rspan = start(SPAN.reasoning, { ...cattrs, 'weavergen.reasoning.round': round }, rctx);
    const ictx = trace.setSpan(rctx, rspan);
    let roundBest = 0;
    for (let i = 0; i < k; i++) {
      const a = round === 1 ? chosen[i] : pick(random, arms);
      const model = a.model !== 'builtin';
      const ref: ArmRef = {
        key: a.key,
        packId: a.packId,
        packName: a.packName,
        params: a.params,
        paramsHash: a.paramsHash,
        model: a.model,
      };
      const cspan = start(
        SPAN.candidate,
        {
          ...cattrs,
          ...(candidateAttributes(context, ref) as Record<string, string>),
          'weavergen.candidate.index': i,
          [ATTR.attempt]: round === 1 ? 'first' : 'correction',
          [ATTR.predicted]: Math.round(world.meanOf(context, a) * 100) / 100,
          [ATTR.predictedN]: Math.floor(random() * 50),
        },
        ictx,
      );
      candidates++;
      const cached = !model && random() < 0.05;
      cspan.setAttribute(ATTR.cached, cached);
      const q = clamp(world.meanOf(context, a) + 0.15 * (random() + random() + random() - 1.5));
      const failed = random() < 0.03;
      const compiled = q < 0.35 && random() < 0.6 ? 0 : random() < 0.02 ? -1 : 1;
      const quality = {
        q,
        components: {
          compiled,
          completeness: clamp(q + 0.1 * random()),
          naming: clamp(0.7 + 0.3 * random()),
          documentation: a.params.doc_style === 'none' ? 0 : clamp(q + 0.05),
          deprecation: clamp(0.8 + 0.2 * random()),
          warnings: clamp(1 - 0.1 * Math.floor(random() * 4)),
        },
      };
      t += 20 + Math.floor(random() * (model ? 4000 : 300));
      if (failed) {
        cspan.setStatus({
          code: SpanStatusCode.ERROR,
          message: random() < 0.3 ? 'cancelled' : 'render failed: template error in attributes.ts.liquid',
        });
        cspan.setAttributes({ [ATTR.quality]: 0, [ATTR.qCompiled]: 0, [ATTR.validationStatus]: 'error' });
      } else {
        cspan.setAttribute('weavergen.render.ms', 5 + Math.floor(random() * 200));
        if (model)
          cspan.setAttributes({
            'weavergen.model.input_tokens': 2000 + Math.floor(random() * 20_000),
            'weavergen.model.output_tokens': 500 + Math.floor(random() * 5000),
            'weavergen.model.cost_usd': Math.round(random() * 5000) / 100_000,
            'weavergen.model.priced': true,
          });
        const cctx = trace.setSpan(ictx, cspan);
        const vspan = start(
          SPAN.validate,
          { ...cattrs, ...(candidateAttributes(context, ref) as Record<string, string>) },
          cctx,
        );
        const qa = {
          ...(candidateAttributes(context, ref, quality) as Record<string, string | number>),
          [ATTR.validationStatus]: compiled === 1 ? 'passed' : compiled === 0 ? 'failed' : 'not_validated',
          [ATTR.validationErrors]: compiled === 0 ? 1 + Math.floor(random() * 9) : 0,
          [ATTR.validationWarnings]: Math.floor(random() * 4),
          [ATTR.symbolsExpected]: 200,
          [ATTR.symbolsFound]: Math.round(200 * quality.components.completeness),
        };
        vspan.setAttributes({
          ...qa,
          'weavergen.toolchain': context.language === 'typescript' ? 'tsc' : `${context.language}c`,
        });
        if (compiled === 0)
          vspan.setStatus({ code: SpanStatusCode.ERROR, message: 'attributes.go:12:3: undefined: semconv' });
        vspan.end(t);
        cspan.setAttributes(qa);
        if (q > roundBest) roundBest = q;
        if (q > best) {
          best = q;
          bestArm = a;
        }
      }
      t += 1;
      cspan.end(t);
    }
    rspan.setAttributes({ [ATTR.quality]: roundBest, 'weavergen.reasoning.best': best });
    rspan.end(t);
  }
  const kspan = start(SPAN.consensus, cattrs, rctx);
  kspan.setAttributes({
    [ATTR.winner]: bestArm.key,
    'weavergen.consensus.agreement': Math.round(random() * 100) / 100,
    [ATTR.reason]: 'highest measured quality; the others agree on 94% of symbols',
  });
  kspan.end(t);
  const out = start(SPAN.output, ids, rctx);
  out.setAttributes({
    [ATTR.files]: 1 + Math.floor(random() * 6),
    [ATTR.bytes]: 2000 + Math.floor(random() * 90_000),
  });
  t += 3;
  out.end(t);
  root.end(t);
  return { spans, candidates };
}

/** Fills a store at `path` with about `target` spans (whole generations) and closes it. */
async function fill(path: string, target: number, nContexts: number): Promise<Filled> {
  const seed = 16;
  const world = drawWorld(seed, nContexts);
  const random = seededRandom(seed * 7919);
  const store = await createStore({ path });
  const tel = await createTelemetry({ store });
  let spans = 0;
  let candidates = 0;
  let g = 0;
  let at = T0;
  while (spans < target) {
    const r = emitGeneration(tel.tracer, world, random, g++, at);
    spans += r.spans;
    candidates += r.candidates;
    at += 30_000;
    // the batch processor's queue is bounded (16,384 spans): let the exporter keep up
    if (g % 100 === 0) await tel.flush();
  }
  await tel.shutdown();
  const stats = tel.stats();
  if (stats.exported !== spans || stats.failed > 0)
    throw new Error(
      `bench/learning-scale: ${spans} spans emitted, ${stats.exported} stored, ${stats.failed} failed`,
    );
  await store.close();
  // the busiest context by its weight: the first one drawn
  const context = world.contexts[0];
  return { spans, candidates, generations: g, context, arms: world.armsOf(context), world, nextAt: at, seed };
}

// ---------------------------------------------------------------------------------------------
// measuring

interface Sample {
  ms: number;
  /** CPU time of the process (every thread: LevelDB's included), steadier than wall time on a busy machine */
  cpuMs: number;
  /** sampled peak heap growth over the heap before the computation, MB */
  heapMB: number;
}

interface RunResult {
  scan: Sample;
  rows: Map<string, Sample>;
}

interface SizeResult {
  filled: Filled;
  /** timed repetitions */
  reps: RunResult[];
  /** the repetition that sampled the live heap */
  memory: RunResult;
}

function exposeGc(): () => void {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (() => void) | undefined;
    if (typeof gc === 'function') return gc;
  } catch {
    // a runtime without the flag: growth figures then include uncollected garbage
  }
  return () => undefined;
}

/**
 * Times `fn`, or, with `memory`, samples the live heap while it runs: a full collection then the
 * heap in use, every 25 ms that the computation yields to the event loop (it reads LevelDB
 * asynchronously, so it yields between batches). Garbage is not counted: what is measured is what
 * the computation holds. Timings come from runs without the sampler.
 */
async function sample(gc: () => void, fn: () => Promise<unknown>, memory = false): Promise<Sample> {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const probe = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const timer = memory ? setInterval(probe, 25) : undefined;
  const cpu = process.cpuUsage();
  const t = performance.now();
  const result = await fn();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  clearInterval(timer);
  if (memory) probe();
  // the result itself is kept until here, so a computation that returns what it loaded is counted
  void result;
  return { ms, cpuMs: (used.user + used.system) / 1000, heapMB: (peak - before) / 1e6 };
}

/** The baseline: iterate every stored span record and decode it, nothing else. */
async function plainScan(store: Store): Promise<number> {
  let n = 0;
  for await (const batch of store.stream<{ name: string }>('spans')) n += batch.length;
  return n;
}

const ROWS = [
  'arm statistics rebuilt from the spans (sync)',
  'GET /v1/learning/arms (cold)',
  'optimizer statistics (assess, cold)',
  'rules (cold)',
  'insights (cold)',
  'insights after one more generation',
] as const;

async function measureOnce(
  path: string,
  filled: Filled,
  gc: () => void,
  memory: boolean,
): Promise<RunResult> {
  const store = await createStore({ path });
  try {
    const rows = new Map<string, Sample>();
    await plainScan(store); // warm-up: file handles and the OS page cache, for the baseline and every row alike
    let scanned = 0;
    const before = await sample(
      gc,
      async () => {
        scanned = await plainScan(store);
      },
      memory,
    );
    if (scanned !== filled.spans)
      throw new Error(`bench/learning-scale: scanned ${scanned} of ${filled.spans} spans`);
    const fresh = () => createLearning({ store });
    let synced: Learning = fresh();
    rows.set(ROWS[0], await sample(gc, () => synced.sync(), memory));
    const ctx = contextKey(filled.context);
    synced = fresh();
    rows.set(ROWS[1], await sample(gc, async () => armQualities(await synced.armStats(ctx)), memory));
    const forOptimizer = fresh();
    const optimizer = createOptimizer({ store, learning: forOptimizer }, { seed: 1 });
    rows.set(ROWS[2], await sample(gc, () => optimizer.assess(ctx, filled.arms), memory));
    const forRules = fresh();
    rows.set(ROWS[3], await sample(gc, () => forRules.rules(), memory));
    const live = fresh();
    rows.set(ROWS[4], await sample(gc, () => live.insights(), memory));
    // the often-called case: a node answering GET /v1/insights after each generation
    const tel = await createTelemetry({ store });
    const random = seededRandom(filled.seed);
    emitGeneration(tel.tracer, filled.world, random, filled.generations, filled.nextAt);
    await tel.shutdown();
    await live.ingestGeneration(`gen-${filled.generations.toString(36).padStart(8, '0')}`);
    rows.set(ROWS[5], await sample(gc, () => live.insights(), memory));
    // the baseline again after the rows: the machine's load drifts, so the ratios use the mean of both
    const after = await sample(gc, () => plainScan(store), memory);
    const scan: Sample = {
      ms: (before.ms + after.ms) / 2,
      cpuMs: (before.cpuMs + after.cpuMs) / 2,
      heapMB: Math.max(before.heapMB, after.heapMB),
    };
    return { scan, rows };
  } finally {
    await store.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const GOAL = 3;
/**
 * What a streamed computation may hold at any store size: one LevelDB batch (1,000 records, or
 * sync's page of 2,000 spans), the arm statistics, the newest-outcome rows (13 bytes each, at most
 * 20,000: 0.26 MB) and their groups.
 */
const HEAP_BOUND_MB = 8;

function report(
  results: Map<number, SizeResult>,
  small: number,
  big: number,
  runs: number,
  seconds: number,
): void {
  const b = results.get(big) as SizeResult;
  const s = results.get(small) as SizeResult;
  const scanMs = median(b.reps.map((r) => r.scan.ms));
  console.log(
    `\n## learning at scale: ${b.filled.spans} spans (${b.filled.candidates} candidates, ${b.filled.generations} generations) in LevelDB`,
  );
  console.log(
    `baseline  plain scan: iterate every span record and decode it (before and after the rows, mean): ${scanMs.toFixed(0)} ms ` +
      `(${((b.filled.spans / scanMs) * 1000).toFixed(0)} spans/s); live heap +${s.memory.scan.heapMB.toFixed(1)} MB at ${s.filled.spans} spans, +${b.memory.scan.heapMB.toFixed(1)} MB at ${b.filled.spans}`,
  );
  const rows: (string | number)[][] = [];
  let met = true;
  let bounded = true;
  for (const name of ROWS) {
    // ratios per repetition (the baseline measured beside it), then the median
    const ratio = median(b.reps.map((r) => (r.rows.get(name) as Sample).ms / r.scan.ms));
    const cpuRatio = median(b.reps.map((r) => (r.rows.get(name) as Sample).cpuMs / r.scan.cpuMs));
    const ms = median(b.reps.map((r) => (r.rows.get(name) as Sample).ms));
    const heapBig = (b.memory.rows.get(name) as Sample).heapMB;
    const heapSmall = (s.memory.rows.get(name) as Sample).heapMB;
    const ok = ratio <= GOAL;
    const held = Math.max(heapSmall, heapBig) <= HEAP_BOUND_MB;
    met &&= ok;
    bounded &&= held;
    rows.push([
      name,
      `${ms.toFixed(0)} ms`,
      `${ratio.toFixed(2)}x`,
      ok ? 'met' : 'NOT met',
      `${cpuRatio.toFixed(2)}x`,
      `${heapSmall.toFixed(1)} MB`,
      `${heapBig.toFixed(1)} MB`,
      held ? 'met' : 'NOT met',
    ]);
  }
  console.log(
    table(
      [
        'computation',
        `time at ${b.filled.spans}`,
        '/ scan',
        `goal <= ${GOAL}x`,
        'cpu / scan cpu',
        `live heap +, ${s.filled.spans} spans`,
        `live heap +, ${b.filled.spans} spans`,
        `heap <= ${HEAP_BOUND_MB} MB`,
      ],
      rows,
    ),
  );
  console.log(
    `${met ? 'met' : 'NOT met'}: every computation within ${GOAL}x the plain scan (medians of ${runs} runs, each on a fresh copy of the store; ${seconds.toFixed(0)} s in all)`,
  );
  console.log(
    `${bounded ? 'met' : 'NOT met'}: live heap growth within ${HEAP_BOUND_MB} MB at ${s.filled.spans} and at ${b.filled.spans} spans ` +
      '(sampled after a full collection whenever the computation yields, i.e. between LevelDB batches, and at its ' +
      'end; the synchronous mining after the last read is not sampled inside: its item-set counts grow with ' +
      'contexts x arms, not with spans)',
  );
}
