import { type Tracer, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Store } from '../storage/index.js';
import { type ExporterStats, LevelSpanExporter } from './level-exporter.js';

export { createSpanQueries, type SpanQueries, type SpanQuery } from './queries.js';
export { GENERATION_ATTRIBUTE, type SpanRecord } from './span-record.js';

export interface TelemetryInit {
  serviceName?: string;
  serviceVersion?: string;
  /** OTLP/HTTP endpoint; defaults to the OpenTelemetry env conventions (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT) */
  otlpEndpoint?: string;
  /** upper bound on flushing at shutdown, so an unreachable collector never stalls it */
  shutdownTimeoutMs?: number;
  /**
   * Register as the process's global tracer provider (the CLI's `node start` does: one node per
   * process; see global.ts). Otherwise the node keeps a private provider, so several nodes can share
   * a process (tests, simulations) without mixing their spans.
   */
  global?: boolean;
  /** more resource attributes (a tenant's spans carry `weavergen.tenant`, for a collector they go to) */
  resourceAttributes?: Record<string, string>;
}

export interface TelemetryComponents {
  store: Store;
}

export interface Telemetry {
  tracer: Tracer;
  /** spans written to LevelDB, failed writes, OTLP enabled */
  stats(): ExporterStats & { otlp: boolean };
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Async because the OTLP exporter is loaded only when configured (a fast start otherwise). */
export async function createTelemetry(
  components: TelemetryComponents,
  init: TelemetryInit = {},
): Promise<Telemetry> {
  const level = new LevelSpanExporter(components.store);
  // Batches sized for bursts: a generation emits tens of spans at once; 1,000 spans/s is the floor.
  const processors: SpanProcessor[] = [
    new BatchSpanProcessor(level, {
      maxQueueSize: 16_384,
      maxExportBatchSize: 1024,
      scheduledDelayMillis: 100,
    }),
  ];
  const endpoint =
    init.otlpEndpoint ??
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) {
    const url = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
      ? endpoint
      : `${endpoint.replace(/\/$/, '')}/v1/traces`;
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url, timeoutMillis: 5_000 })));
  }
  const resource = resourceFromAttributes({
    'service.name': init.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'weavergen',
    'service.version': init.serviceVersion ?? '0.1.0',
    ...init.resourceAttributes,
  });
  const timeout = init.shutdownTimeoutMs ?? 3_000;

  const provider = new BasicTracerProvider({ resource, spanProcessors: processors });
  // the CLI's node is the process's one SDK; nodes sharing a process (tests, simulations) stay private
  const unregister = init.global ? (await import('./global.js')).registerGlobally(provider) : () => {};
  const tracer: Tracer = init.global
    ? trace.getTracer('weavergen', '0.1.0')
    : provider.getTracer('weavergen', '0.1.0');
  const flush = () => provider.forceFlush();
  const shutdown = () => bounded(provider.shutdown(), timeout).finally(unregister);
  return {
    tracer,
    stats: () => ({ ...level.stats, otlp: !!endpoint }),
    flush: () => bounded(flush(), timeout),
    // The LevelDB exporter is flushed first and unbounded: those spans are ours and must not be lost.
    shutdown: async () => {
      await processors[0].forceFlush();
      await shutdown();
    },
  };
}

/** Resolves when `p` does or after `ms`, whichever is first: a collector that does not answer must not hold us. */
function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => undefined).catch(() => undefined),
    new Promise<void>((r) => (timer = setTimeout(r, ms))),
  ]).finally(() => clearTimeout(timer));
}
