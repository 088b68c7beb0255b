import { join } from 'node:path';
import { benchCache } from './cache.js';
import { benchGeneration } from './generation.js';
import { benchLearning } from './learning.js';
import { benchNetwork } from './network.js';
import { benchReasoning } from './reasoning.js';
import { benchTasks } from './tasks/replay.js';
import { benchTelemetry } from './telemetry.js';

/** `npm run bench`: every figure next to a baseline measured in the same run. */
const registry =
  process.env.WEAVERGEN_BENCH_REGISTRY ?? join(process.cwd(), '..', 'shared', 'semconv', 'v1.44.0', 'model');
const runs = Number(process.env.WEAVERGEN_BENCH_RUNS ?? 5);

console.log(`weavergen bench on node ${process.version}, ${new Date().toISOString()}`);
const only = process.env.WEAVERGEN_BENCH_ONLY?.split(',');
if (!only || only.includes('generation')) await benchGeneration(registry, runs);
if (!only || only.includes('telemetry')) await benchTelemetry();
if (!only || only.includes('cache')) await benchCache(registry, runs);
if (!only || only.includes('learning')) await benchLearning({ registryDir: registry });
if (!only || only.includes('reasoning')) await benchReasoning(registry);
if (!only || only.includes('reasoning') || only.includes('tasks')) await benchTasks();
if (!only || only.includes('network')) await benchNetwork();
