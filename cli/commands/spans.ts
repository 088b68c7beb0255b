import { resolve } from 'node:path';
import { createStore } from '../../node/storage/index.js';
import { createSpanQueries, type SpanQuery, type SpanRecord } from '../../node/telemetry/index.js';
import { connect } from '../client.js';
import { EXIT } from '../errors.js';
import { renderSpans } from '../render/spans.js';

export interface SpansOptions {
  home?: string;
  trace?: string;
  generation?: string;
  name?: string;
  limit: string;
  json?: boolean;
}

/** `weavergen spans`: recorded spans, through the running node's API when there is one, else from the store. */
export async function spans(opts: SpansOptions): Promise<number> {
  const home = resolve(opts.home ?? process.env.WEAVERGEN_HOME ?? '.weavergen');
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new Error(`--limit must be 1..10000, got ${opts.limit}`);
  const query: SpanQuery = { traceId: opts.trace, generationId: opts.generation, name: opts.name, limit };
  let found: SpanRecord[];
  const api = await connect(home);
  if (api) {
    const qs = new URLSearchParams(
      Object.entries({
        trace: opts.trace,
        generation: opts.generation,
        name: opts.name,
        limit: String(limit),
      }).filter((e): e is [string, string] => !!e[1]),
    );
    found = (await api.get<{ spans: SpanRecord[] }>(`/v1/spans?${qs}`)).spans;
  } else {
    const store = await createStore({ path: resolve(home, 'db') }).catch((e: Error) => {
      throw new Error(
        `cannot open ${home}/db: ${e.message} (is a node running on this home without its API?)`,
      );
    });
    try {
      found = await createSpanQueries(store).find(query);
    } finally {
      await store.close();
    }
  }
  process.stdout.write(opts.json ? `${JSON.stringify(found, null, 2)}\n` : `${renderSpans(found)}\n`);
  return EXIT.OK;
}
