import type { SpanRecord } from '../../node/telemetry/index.js';
import { EXIT } from '../errors.js';
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
