import { join } from 'node:path';
import { shown } from '../cli/render/paths.js';
import { SEMCONV_MISSING, SEMCONV_VERSION, semconvRegistry } from '../test/helpers/reference.js';
import { benchApi } from './api.js';
import { benchCache } from './cache.js';
import { benchGeneration } from './generation.js';
import { benchLearning } from './learning.js';
import { benchLearningScale } from './learning-scale.js';
import { benchNetwork } from './network.js';
import { benchNodeIdle } from './node-idle.js';
import { benchPrediction } from './prediction.js';
import { benchPrivacy } from './privacy.js';
import { benchReasoning } from './reasoning.js';
import { benchStartup } from './startup.js';
import { benchTasks } from './tasks/replay.js';
import { benchTeams } from './teams.js';
import { benchTelemetry } from './telemetry.js';

/**
 * `npm run bench`: every figure next to a baseline measured in the same run. The generation and
 * cache figures run on the semantic-conventions registry when it is here (WEAVERGEN_SEMCONV, see
 * test/helpers/reference.ts), else on the project's own example; the reasoning replay adds the real
 * registry's namespaces to the project's own registries when it is here; the learning bench runs on
 * seeded simulated worlds either way.
 */
const real = semconvRegistry();
const registry = process.env.WEAVERGEN_BENCH_REGISTRY ?? real ?? join(process.cwd(), 'examples', 'shop');
const runs = Number(process.env.WEAVERGEN_BENCH_RUNS ?? 5);

console.log(`weavergen bench on node ${process.version}, ${new Date().toISOString()}`);
// printed as a name, not as a path of this machine
const label = registry === real ? `semantic-conventions ${SEMCONV_VERSION}` : shown(registry);
console.log(`registry: ${label}${real ? '' : ` (the project's example: ${SEMCONV_MISSING})`}`);
const PARTS = [
  'startup',
  'node',
  'generation',
  'telemetry',
  'cache',
  'api',
  'learning',
  'learning-scale',
  'reasoning',
  'tasks',
  'prediction',
  'network',
  'privacy',
  'teams',
];
const only = process.env.WEAVERGEN_BENCH_ONLY?.split(',').map((p) => p.trim());
const unknown = only?.filter((p) => !PARTS.includes(p)) ?? [];
if (unknown.length > 0) {
  console.error(`WEAVERGEN_BENCH_ONLY: no part named ${unknown.join(', ')}; the parts: ${PARTS.join(',')}`);
  process.exit(2);
}
const want = (name: string) => !only || only.includes(name);
if (want('startup')) await benchStartup(runs);
if (want('node')) await benchNodeIdle(runs);
if (want('generation')) await benchGeneration(registry, runs, label);
if (want('telemetry')) await benchTelemetry();
if (want('cache')) await benchCache(registry, runs, label);
if (want('api')) await benchApi(runs);
if (want('learning')) await benchLearning();
if (want('learning-scale')) await benchLearningScale();
if (want('reasoning')) await benchReasoning(real);
if (want('reasoning') || want('tasks')) await benchTasks();
if (want('prediction')) await benchPrediction();
if (want('network')) await benchNetwork();
if (want('privacy')) await benchPrivacy();
if (want('teams')) await benchTeams();
