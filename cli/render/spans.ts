import type { SpanRecord } from '../../node/telemetry/index.js';

const KEY_ATTRS = [
  'weavergen.language',
  'weavergen.arm.pack.name',
  'weavergen.quality.q',
  'weavergen.validation.status',
  'weavergen.cache.hit',
  'weavergen.decision.reason',
];

/** Spans as trees, one per trace: name, duration, the attributes a person looks for first. */
export function renderSpans(spans: SpanRecord[]): string {
  if (spans.length === 0) return 'no spans';
  const byTrace = new Map<string, SpanRecord[]>();
  for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  const lines: string[] = [];
  for (const [traceId, list] of byTrace) {
    const ids = new Set(list.map((s) => s.spanId));
    const children = new Map<string, SpanRecord[]>();
    for (const s of list) {
      const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : '';
      children.set(parent, [...(children.get(parent) ?? []), s]);
    }
    lines.push(`trace ${traceId} (${new Date(Math.min(...list.map((s) => s.startTime))).toISOString()})`);
    const walk = (parent: string, depth: number) => {
      for (const s of (children.get(parent) ?? []).sort((a, b) => a.startTime - b.startTime)) {
        const attrs = KEY_ATTRS.filter((k) => s.attributes[k] !== undefined)
          .map(
            (k) =>
              `${k.replace(/^weavergen\./, '')}=${
                typeof s.attributes[k] === 'number'
                  ? Number(s.attributes[k])
                      .toFixed(3)
                      .replace(/\.?0+$/, '')
                  : s.attributes[k]
              }`,
          )
          .join(' ');
        const err = s.status.code === 2 ? ` ERROR ${s.status.message ?? ''}` : '';
        lines.push(
          `${'  '.repeat(depth + 1)}${s.name} ${s.durationMs.toFixed(1)} ms ${attrs}${err}`.trimEnd(),
        );
        walk(s.spanId, depth + 1);
      }
    };
    walk('', 0);
  }
  return lines.join('\n');
}
