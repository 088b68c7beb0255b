import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { table } from '../cli/render/table.js';
import { candidateAttributes, createLearning, type RuleSet, ruleText } from '../node/learning/index.js';
import { type Arm, createOptimizer, type Random, seededRandom } from '../node/optimizer/index.js';
import { normal } from '../node/optimizer/random.js';
import { createStore } from '../node/storage/index.js';
import { ATTR, SPAN } from '../node/telemetry/conventions.js';
import { createTelemetry, type Telemetry } from '../node/telemetry/index.js';
import { SEMCONV_MISSING, semconvRegistry } from '../test/helpers/reference.js';
import { type BenchContext, buildWorld, SUBSETS, TRUNCATING_MODEL } from './learning-world.js';

export interface BenchLearningOptions {
  registryDir: string;
  /** generations replayed per policy (env WEAVERGEN_BENCH_GENERATIONS, default 1,000) */
  generations?: number;
  /** env WEAVERGEN_BENCH_SEED, default 1 */
  seed?: number;
  /** sd of the Normal noise added to each observed q, clipped to [0, 1] (env WEAVERGEN_BENCH_NOISE, default 0.02) */
  noise?: number;
  /** validations run at once while measuring (default 2, this machine's cores) */
  concurrency?: number;
}

interface PolicyRun {
  policy: 'thompson' | 'uniform';
  /** mean observed q per block of 100 generations */
  blockMeans: number[];
  /** cumulative expected regret (best true q of the context minus the chosen arm's) at the end of each block */
  blockRegret: number[];
  rules: RuleSet;
  promotions: string[];
  ms: number;
}

export interface BenchLearningResult {
  generations: number;
  contexts: number;
  arms: number;
  measureMs: number;
  runs: PolicyRun[];
}

const BLOCK = 100;

/**
 * Replays N generations over contexts from the real registry for two policies with the same seeds
 * and the same order of contexts: Thompson sampling (the optimizer) and uniform random. Each
 * generation's spans go through the real tracer -> LevelDB -> learning.ingestGeneration path.
 */
export async function benchLearning(options: BenchLearningOptions): Promise<BenchLearningResult> {
  const generations = options.generations ?? Number(process.env.WEAVERGEN_BENCH_GENERATIONS ?? 1000);
  const seed = options.seed ?? Number(process.env.WEAVERGEN_BENCH_SEED ?? 1);
  const noise = options.noise ?? Number(process.env.WEAVERGEN_BENCH_NOISE ?? 0.02);
  const started = performance.now();
  const world = await buildWorld(options.registryDir, options.concurrency ?? 2);
  const { contexts } = world;
  const armCount = contexts.reduce((n, c) => n + c.arms.length, 0);
  const order = contexts.length;
  const sequence = (() => {
    const r = seededRandom(seed);
    return Array.from({ length: generations }, () => Math.floor(r() * order));
  })();

  console.log(
    `\n## learning: ${generations} generations per policy over ${contexts.length} contexts (${SUBSETS.map((s) => s.label).join(', ')} x typescript, python, go)`,
  );
  console.log(
    `measured ${armCount} (context, arm) qualities once with the real validators: ${world.validations} distinct outputs in ${(world.ms / 1000).toFixed(1)} s ` +
      `(weak arms: doc_style=none, enum_style=object/constants where naming suffers, the naive-typescript fixture pack, the ${TRUNCATING_MODEL} model)`,
  );
  console.log(
    table(
      ['context', 'subset', 'arms', 'best q', 'mean q', 'arms failing to compile'],
      contexts.map((c) => {
        const qs = [...c.quality.values()];
        return [
          c.key,
          c.label,
          c.arms.length,
          c.best.toFixed(3),
          (qs.reduce((s, x) => s + x.q, 0) / qs.length).toFixed(3),
          qs.filter((x) => x.status === 'failed').length,
        ];
      }),
    ),
  );

  const runs: PolicyRun[] = [];
  for (const policy of ['thompson', 'uniform'] as const)
    runs.push(await replay(policy, contexts, sequence, seed, noise));

  const [ts, uni] = runs;
  console.log(
    `\nobserved q = measured q + Normal(0, ${noise}) noise, clipped to [0, 1]; regret uses the measured q`,
  );
  console.log(
    table(
      ['generations', 'thompson mean q', 'uniform mean q', 'thompson cum. regret', 'uniform cum. regret'],
      ts.blockMeans.map((_, i) => [
        `${i * BLOCK + 1}-${Math.min(generations, (i + 1) * BLOCK)}`,
        ts.blockMeans[i].toFixed(3),
        uni.blockMeans[i].toFixed(3),
        ts.blockRegret[i].toFixed(2),
        uni.blockRegret[i].toFixed(2),
      ]),
    ),
  );
  const t = ts.rules.thresholds;
  console.log(
    `\nrules mined from each replay's ${generations} generations' spans (support >= ${t.minSupport}, confidence >= ${t.minConfidence}, length <= ${t.maxLength}; ` +
      `informative: lift >= ${t.minLift}, confidence >= ${t.minImprovement} above every shorter rule and the base rate, not a duplicate of a rule on the same rows)`,
  );
  for (const r of runs)
    console.log(`  ${r.policy.padEnd(8)}: ${r.rules.total} rules, ${r.rules.informative} informative`);
  if (ts.rules.informative < uni.rules.informative) {
    console.log(
      '  (the Thompson replay plays mostly its best arms: with high quality nearly everywhere, few rules can lift far above the base rate)',
    );
  }
  console.log('top informative rules (uniform replay):');
  for (const r of uni.rules.rules.filter((x) => x.informative).slice(0, 8)) {
    console.log(
      `  ${ruleText(r)}  (support ${r.support.toFixed(3)}, confidence ${r.confidence.toFixed(2)}, lift ${r.lift.toFixed(2)})`,
    );
  }
  for (const r of runs) {
    console.log(`promotions (${r.policy}): ${r.promotions.length === 0 ? 'none' : ''}`);
    for (const p of r.promotions) console.log(`  ${p}`);
  }
  console.log(
    `time: measure ${(world.ms / 1000).toFixed(1)} s, replay thompson ${(ts.ms / 1000).toFixed(1)} s, uniform ${(uni.ms / 1000).toFixed(1)} s, ` +
      `total ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { generations, contexts: contexts.length, arms: armCount, measureMs: world.ms, runs };
}

async function replay(
  policy: PolicyRun['policy'],
  contexts: BenchContext[],
  sequence: number[],
  seed: number,
  noise: number,
): Promise<PolicyRun> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), `weavergen-bench-learning-${policy}-`));
  const store = await createStore({ path: dir });
  const telemetry = await createTelemetry({ store }, { serviceName: 'weavergen-bench' });
  const learning = createLearning({ store });
  const pick: Random = seededRandom(seed + 1);
  const optimizer = createOptimizer({ store, learning }, { random: pick });
  const noiseRandom = seededRandom(seed + 2);
  const blockMeans: number[] = [];
  const blockRegret: number[] = [];
  const promotions: string[] = [];
  let sum = 0;
  let regret = 0;
  try {
    for (let i = 0; i < sequence.length; i++) {
      const c = contexts[sequence[i]];
      const arm: Arm =
        policy === 'thompson'
          ? (await optimizer.choose(c.context, c.arms, 1)).chosen[0].arm
          : c.arms[Math.floor(pick() * c.arms.length)];
      const measured = c.quality.get(arm.key);
      if (!measured) throw new Error(`no measured quality for ${arm.key} in ${c.key}`);
      // one noise draw per generation whatever the policy, so both see the same noise stream
      const q = Math.min(1, Math.max(0, measured.q + noise * normal(noiseRandom)));
      const id = `bench-${policy}-${i}`;
      emit(telemetry.tracer, id, c, arm, { q, components: measured.components }, measured.status);
      await telemetry.flush();
      await learning.ingestGeneration(id);
      for (const d of await optimizer.review(c.context, c.arms))
        promotions.push(`generation ${i + 1}: ${d.context} ${d.packName}: ${d.reason}`);
      sum += q;
      regret += c.best - measured.q;
      if ((i + 1) % BLOCK === 0 || i === sequence.length - 1) {
        blockMeans.push(sum / ((i % BLOCK) + 1));
        blockRegret.push(regret);
        sum = 0;
      }
    }
    const rules = await learning.rules();
    return { policy, blockMeans, blockRegret, rules, promotions, ms: performance.now() - started };
  } finally {
    await telemetry.shutdown();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The spans the node writes for a one-candidate generation: generation > candidate > validate. */
function emit(
  tracer: Telemetry['tracer'],
  id: string,
  c: BenchContext,
  arm: Arm,
  quality: Parameters<typeof candidateAttributes>[2] & object,
  status: string,
): void {
  const gen = tracer.startSpan(SPAN.generation, {
    attributes: { [ATTR.generationId]: id, [ATTR.language]: c.context.language },
  });
  const inGen = trace.setSpan(ROOT_CONTEXT, gen);
  const attributes = { [ATTR.generationId]: id, ...candidateAttributes(c.context, arm, quality) };
  const candidate = tracer.startSpan(SPAN.candidate, { attributes }, inGen);
  const qualityOnly = Object.fromEntries(
    Object.entries(attributes).filter(([k]) => k.startsWith('weavergen.quality.')),
  );
  tracer
    .startSpan(
      SPAN.validate,
      { attributes: { [ATTR.generationId]: id, ...qualityOnly, [ATTR.validationStatus]: status } },
      trace.setSpan(inGen, candidate),
    )
    .end();
  candidate.end();
  gen.end();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const registryDir = process.env.WEAVERGEN_BENCH_REGISTRY ?? semconvRegistry();
  if (!registryDir) throw new Error(SEMCONV_MISSING);
  console.log(`weavergen learning bench on node ${process.version}, ${new Date().toISOString()}`);
  await benchLearning({ registryDir });
}
