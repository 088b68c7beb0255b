import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Store } from '../storage/index.js';
import { GENERATION_ATTRIBUTE, generationKey, spanKey, timeKey, toSpanRecord } from './span-record.js';

export interface ExporterStats {
  exported: number;
  failed: number;
  batches: number;
}

/** Writes finished spans to LevelDB, one atomic batch per export call (the span plus its index entries). */
export class LevelSpanExporter implements SpanExporter {
  readonly stats: ExporterStats = { exported: 0, failed: 0, batches: 0 };
  private pending = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly store: Store) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.closed) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
      return;
    }
    const ops: Parameters<Store['batch']>[0] = [];
    for (const s of spans) {
      const r = toSpanRecord(s);
      const key = spanKey(r.traceId, r.spanId);
      ops.push({ type: 'put', sublevel: 'spans', key, value: r });
      ops.push({
        type: 'put',
        sublevel: 'spanIndex',
        key: timeKey(r.startTime, r.traceId, r.spanId),
        value: key,
      });
      const gen = r.attributes[GENERATION_ATTRIBUTE];
      if (typeof gen === 'string')
        ops.push({ type: 'put', sublevel: 'spanIndex', key: generationKey(gen, r.spanId), value: key });
    }
    const p = this.store
      .batch(ops)
      .then(() => {
        this.stats.exported += spans.length;
        this.stats.batches++;
        resultCallback({ code: ExportResultCode.SUCCESS });
      })
      .catch((error: Error) => {
        this.stats.failed += spans.length;
        resultCallback({ code: ExportResultCode.FAILED, error });
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.closed = true;
  }
}
