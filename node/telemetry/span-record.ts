import type { Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** How a finished span is kept in LevelDB: plain JSON, times in epoch milliseconds. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTime: number;
  endTime: number;
  durationMs: number;
  status: { code: number; message?: string };
  attributes: Attributes;
  events: { name: string; time: number; attributes?: Attributes }[];
}

export const hrToMs = (t: HrTime): number => t[0] * 1000 + t[1] / 1e6;

export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const ctx = span.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    startTime: hrToMs(span.startTime),
    endTime: hrToMs(span.endTime),
    durationMs: hrToMs(span.duration),
    status: span.status.message
      ? { code: span.status.code, message: span.status.message }
      : { code: span.status.code },
    attributes: { ...span.attributes },
    events: span.events.map((e) => ({
      name: e.name,
      time: hrToMs(e.time),
      ...(e.attributes ? { attributes: { ...e.attributes } } : {}),
    })),
  };
}

/** Keys: spans by trace (`trace!span`); indexes by start time and by generation id. Fixed width keeps order. */
export const spanKey = (traceId: string, spanId: string) => `${traceId}!${spanId}`;
export const timeKey = (ms: number, traceId: string, spanId: string) =>
  `t!${Math.floor(ms).toString().padStart(15, '0')}!${traceId}!${spanId}`;
export const generationKey = (generationId: string, spanId: string) => `g!${generationId}!${spanId}`;
export const GENERATION_ATTRIBUTE = 'weavergen.generation.id';
