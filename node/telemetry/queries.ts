import type { Store } from '../storage/index.js';
import { generationKey, type SpanRecord, timeKey } from './span-record.js';

export interface SpanQuery {
  traceId?: string;
  generationId?: string;
  /** epoch ms, inclusive */
  from?: number;
  to?: number;
  /** attribute equality, e.g. {'weavergen.language': 'go'} */
  attributes?: Record<string, string | number | boolean>;
  name?: string;
  limit?: number;
}

export interface SpanQueries {
  byTrace(traceId: string): Promise<SpanRecord[]>;
  byGeneration(generationId: string): Promise<SpanRecord[]>;
  find(q: SpanQuery): Promise<SpanRecord[]>;
}

const DEFAULT_LIMIT = 1000;

/**
 * The spans named `name` that started at or after `from` (epoch ms), in start-time order, one page
 * per `page` entries of the time index (a page may hold none). A page is read with one getMany as
 * bytes, and a record is decoded only when its stored JSON holds the name (JSON.stringify writes a
 * name one way), then checked by name. The next page is read while the caller works on this one.
 */
export async function* spansByTime(
  store: Store,
  from: number,
  name: string,
  page = 2000,
): AsyncGenerator<SpanRecord[]> {
  const needle = Buffer.from(`"name":${JSON.stringify(name)}`);
  const read = async (gte: string) => {
    const entries = await store.scan<string>('spanIndex', { gte, lte: 't!\xff', limit: page });
    const raws = await store.getMany<Buffer>(
      'spans',
      entries.map(([, k]) => k),
      { values: 'raw' },
    );
    const spans: SpanRecord[] = [];
    for (const raw of raws) {
      if (raw === undefined || raw.indexOf(needle) === -1) continue;
      const s = JSON.parse(raw.toString()) as SpanRecord;
      if (s.name === name) spans.push(s);
    }
    return { spans, after: entries.length > 0 ? `${entries[entries.length - 1][0]}\x00` : undefined };
  };
  let next = read(timeKey(Math.max(0, from), '', ''));
  for (;;) {
    const current = await next;
    if (current.after === undefined) return;
    next = read(current.after);
    // a failed read is thrown where it is awaited; a caller that stops early leaves it unobserved
    next.catch(() => undefined);
    yield current.spans;
  }
}

/** Span queries over the store's key layout: by trace (prefix), generation and time (indexes), attributes (filter). */
export function createSpanQueries(store: Store): SpanQueries {
  const load = async (keys: string[]) =>
    (await store.getMany<SpanRecord>('spans', keys)).filter((s): s is SpanRecord => !!s);
  const byTrace = async (traceId: string) =>
    sortByStart((await store.scan<SpanRecord>('spans', { prefix: `${traceId}!` })).map(([, v]) => v));
  const byGeneration = async (generationId: string) =>
    sortByStart(
      await load(
        (await store.scan<string>('spanIndex', { prefix: generationKey(generationId, '') })).map(
          ([, v]) => v,
        ),
      ),
    );
  return {
    byTrace,
    byGeneration,
    async find(q) {
      const limit = Math.min(q.limit ?? DEFAULT_LIMIT, 10_000);
      let spans: SpanRecord[];
      if (q.traceId) spans = await byTrace(q.traceId);
      else if (q.generationId) spans = await byGeneration(q.generationId);
      else {
        // newest first through the time index, filtering as we go
        const gte = timeKey(q.from ?? 0, '', '');
        const lte = `${timeKey(q.to ?? 999_999_999_999_999, '', '')}\xff`;
        spans = [];
        for (const [, key] of await store.scan<string>('spanIndex', {
          gte,
          lte,
          reverse: true,
          limit: limit * 20,
        })) {
          const s = await store.get<SpanRecord>('spans', key);
          if (s && matches(s, q)) spans.push(s);
          if (spans.length >= limit) break;
        }
        return spans;
      }
      return spans.filter((s) => matches(s, q)).slice(0, limit);
    },
  };
}

function matches(s: SpanRecord, q: SpanQuery): boolean {
  if (q.name && s.name !== q.name) return false;
  if (q.from !== undefined && s.startTime < q.from) return false;
  if (q.to !== undefined && s.startTime > q.to) return false;
  // compared as text: a query string `true` or `3` matches the boolean or number stored
  for (const [k, v] of Object.entries(q.attributes ?? {}))
    if (String(s.attributes[k]) !== String(v)) return false;
  return true;
}

// same start time (clock resolution): the enclosing span, which ends later, comes first
const sortByStart = (spans: SpanRecord[]) =>
  spans.sort((a, b) => a.startTime - b.startTime || b.endTime - a.endTime);
