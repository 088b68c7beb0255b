import type { SpanRecord } from '../../node/telemetry/index.js';
import { EXIT, UsageError } from '../errors.js';
import { renderSpans } from '../render/spans.js';
import { withSession } from '../session.js';

export interface SpansOptions {
  home?: string;
  trace?: string;
  generation?: string;
  name?: string;
  limit: string;
  json?: boolean;
}

/** `weavergen spans`: recorded spans as trees (or JSON), from the home's node. */
export async function spans(opts: SpansOptions): Promise<number> {
  if (!/^\d{1,5}$/.test(opts.limit) || Number(opts.limit) < 1 || Number(opts.limit) > 10_000)
    throw new UsageError(`--limit must be a whole number from 1 to 10000, got "${opts.limit}"`);
  const qs = new URLSearchParams(
    Object.entries({
      trace: opts.trace,
      generation: opts.generation,
      name: opts.name,
      limit: opts.limit,
    }).filter((e): e is [string, string] => !!e[1]),
  );
  const found = await withSession(
    { home: opts.home, command: 'weavergen spans', read: true },
    async (s) => (await s.api.get<{ spans: SpanRecord[] }>(`/v1/spans?${qs}`)).spans,
  );
  process.stdout.write(opts.json ? `${JSON.stringify(found, null, 2)}\n` : `${renderSpans(found)}\n`);
  return EXIT.OK;
}
