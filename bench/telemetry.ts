import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { table } from '../cli/render/table.js';
import { createStore } from '../node/storage/index.js';
import { createSpanQueries, createTelemetry } from '../node/telemetry/index.js';

const ATTRS = {
  'weavergen.generation.id': 'bench',
  'weavergen.language': 'typescript',
  'weavergen.quality.q': 0.93,
  'weavergen.arm.key': 'bafk...:abc:builtin',
};

/**
 * Span export: spans emitted at a fixed rate through the real SDK -> batch processor -> LevelDB
 * exporter, then counted back from the store. Baseline: raw LevelDB batch writes of span-sized JSON
 * in the same run (the store's ceiling).
 */
export async function benchTelemetry(seconds = 3): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weavergen-bench-tel-'));
  try {
    const raw = await createStore({ path: join(dir, 'raw') });
    const n = 20_000;
    let t = performance.now();
    for (let i = 0; i < n; i += 500) {
      await raw.batch(
        Array.from({ length: 500 }, (_, j) => ({
          type: 'put' as const,
          sublevel: 'spans' as const,
          key: `${i + j}`,
          value: { name: 'x', attributes: ATTRS, startTime: Date.now() },
        })),
      );
    }
    const rawRate = n / ((performance.now() - t) / 1000);
    await raw.close();

    const rows: (string | number)[][] = [];
    for (const rate of [1000, 5000, 20_000]) {
      const store = await createStore({ path: join(dir, `r${rate}`) });
      const tel = await createTelemetry({ store });
      const total = rate * seconds;
      t = performance.now();
      let sent = 0;
      // emit in 10 ms ticks to hold the rate
      while (sent < total) {
        const due = Math.min(
          total,
          Math.floor(((performance.now() - t) / 1000) * rate) + Math.ceil(rate / 100),
        );
        for (; sent < due; sent++)
          tel.tracer.startSpan('weavergen.bench', { attributes: ATTRS }, ROOT_CONTEXT).end();
        await new Promise((r) => setTimeout(r, 10));
      }
      const emitSeconds = (performance.now() - t) / 1000;
      await tel.flush();
      const drainSeconds = (performance.now() - t) / 1000;
      const stored = (await createSpanQueries(store).find({ name: 'weavergen.bench', limit: 10_000 })).length;
      const counted = tel.stats().exported;
      rows.push([
        `${rate}/s`,
        total,
        counted,
        `${((counted / total) * 100).toFixed(2)}%`,
        `${(total / emitSeconds).toFixed(0)}/s`,
        `${(counted / drainSeconds).toFixed(0)}/s`,
        `${(counted / drainSeconds / rawRate).toFixed(2)}x`,
        stored >= Math.min(total, 10_000) ? 'yes' : `no (${stored})`,
      ]);
      await tel.shutdown();
      await store.close();
    }
    console.log(`\n## span export to LevelDB, ${seconds} s per rate`);
    console.log(`baseline  raw LevelDB batch writes of span-sized JSON: ${rawRate.toFixed(0)} records/s`);
    console.log(
      table(['target', 'emitted', 'stored', 'kept', 'emit rate', 'store rate', '/ raw', 'queryable'], rows),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
