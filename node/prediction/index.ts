import type { GenerationRecord, GenerationRequest } from '../jobs/index.js';
import type { PredictRule } from './predict.js';
import { createPrefetcher as create } from './prefetcher.js';

export {
  DEFAULT_PREDICT_RULE,
  type PastRequest,
  type Prediction,
  type PredictRule,
  predictRequests,
  shapeOf,
} from './predict.js';
export { readPredictChoice, writePredictChoice } from './setting.js';

/**
 * Predictive pre-generation: the node watches the registries its users generated from; when one
 * changes, it runs ahead what this project is likely to ask next of it (learned from its own
 * generation records, predict.ts), one at a time and only while no user generation runs, so the
 * next request is answered from the result cache.
 */
export interface Prefetcher {
  /** a user's generation ended: its registry is watched from now on */
  noted(record: GenerationRecord): void;
  /** counters: predictions run, used by a later request, never used (wasted), skipped while busy */
  stats(): PrefetchStats;
  /**
   * turns prediction on or off at run time. Off: the queue is cleared and every folder watch closed
   * (a prediction running now is the last); on: a registry is watched again from its next generation.
   */
  setEnabled(enabled: boolean): void;
  stop(): void;
}

export interface PrefetchStats {
  enabled: boolean;
  watched: number;
  predicted: number;
  used: number;
  wasted: number;
  pending: number;
}

/** The stats, and where `enabled` came from: the node's config, or a choice made over the API (stored). */
export interface PredictionState extends PrefetchStats {
  source: 'config' | 'api';
}

export interface PrefetchInit {
  enabled?: boolean;
  /** quiet time after the last change before predicting (default 2 s: an editor saves in bursts) */
  debounceMs?: number;
  /** registries watched at most (default 32) */
  maxWatched?: number;
  rule?: Partial<PredictRule>;
}

export interface PrefetchComponents {
  /** the registry's past user requests, oldest first */
  history(registry: string): Promise<{ request: GenerationRequest; at: number }[]>;
  /** generations or tasks running or queued now, on the whole node (a prediction waits for none) */
  busy(): boolean;
  /** runs a request ahead, marked as a prediction; resolves when it ends */
  run(request: GenerationRequest): Promise<GenerationRecord>;
  log?(message: string): void;
}

export function createPrefetcher(components: PrefetchComponents, init: PrefetchInit = {}): Prefetcher {
  return create(components, init);
}
