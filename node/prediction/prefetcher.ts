import type { GenerationRecord } from '../jobs/index.js';
import type { PrefetchComponents, Prefetcher, PrefetchInit } from './index.js';
import { DEFAULT_PREDICT_RULE, predictRequests } from './predict.js';
import { createFolderWatch } from './watch.js';

const RETRY_BUSY_MS = 1000;

export function createPrefetcher(c: PrefetchComponents, init: PrefetchInit): Prefetcher {
  let enabled = init.enabled ?? true;
  const rule = { ...DEFAULT_PREDICT_RULE, ...init.rule };
  const counts = { predicted: 0, used: 0, wasted: 0 };
  // per registry, the predictions no request has used yet; a new change makes them stale (wasted)
  const unused = new Map<string, Set<string>>();
  const pending = () => [...unused.values()].reduce((n, s) => n + s.size, 0);
  const queue: string[] = [];
  let running = false;
  let stopped = false;

  const pump = async () => {
    if (running || stopped || !enabled) return;
    const registry = queue.shift();
    if (!registry) return;
    if (c.busy()) {
      // the user's work first: try again shortly
      queue.unshift(registry);
      setTimeout(() => void pump(), RETRY_BUSY_MS).unref();
      return;
    }
    running = true;
    try {
      counts.wasted += unused.get(registry)?.size ?? 0;
      const fresh = new Set<string>();
      unused.set(registry, fresh);
      const predictions = predictRequests(await c.history(registry), rule);
      for (const p of predictions) {
        if (stopped || !enabled) break;
        if (c.busy()) {
          // a user request arrived: the rest of this change's predictions are dropped
          break;
        }
        const record = await c.run(p.request);
        counts.predicted++;
        if (record.status === 'succeeded' && !record.cachedFrom) fresh.add(record.id);
        else counts.wasted++;
        c.log?.(
          `predicted ${p.request.languages.join(',')} for ${registry} (${p.reason}): ${record.id} ${record.status}`,
        );
      }
    } catch (e) {
      c.log?.(`prediction for ${registry} failed: ${(e as Error).message}`);
    } finally {
      running = false;
      if (queue.length) void pump();
    }
  };

  const watch = createFolderWatch(
    (dir) => {
      if (!queue.includes(dir)) queue.push(dir);
      void pump();
    },
    init.debounceMs ?? 2000,
    init.maxWatched ?? 32,
  );

  return {
    noted(record: GenerationRecord) {
      if (stopped || record.origin === 'prediction') return;
      // a prediction made before it was turned off still counts when a request uses it
      if (record.cachedFrom && unused.get(record.request.registry)?.delete(record.cachedFrom)) counts.used++;
      if (enabled && record.status === 'succeeded') watch.add(record.request.registry);
    },
    setEnabled(on: boolean) {
      if (on === enabled) return;
      enabled = on;
      if (on) return;
      // off: nothing more runs (a prediction running now is the last), nothing is watched
      queue.length = 0;
      watch.closeAll();
    },
    stats: () => ({
      enabled,
      watched: watch.size(),
      predicted: counts.predicted,
      used: counts.used,
      wasted: counts.wasted,
      pending: pending(),
    }),
    stop() {
      stopped = true;
      watch.closeAll();
    },
  };
}
