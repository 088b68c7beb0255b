import type { GenerationRecord } from '../../node/jobs/types.js';
import { EXIT } from '../errors.js';
import { shown } from '../render/paths.js';
import { table } from '../render/table.js';
import { withSession } from '../session.js';

/** `weavergen generations`: the recent generations of the home, newest first, with the ids `explain` takes. */
export async function generations(opts: { home?: string; limit: string; json?: boolean }): Promise<number> {
  const list = await withSession(
    { home: opts.home, command: 'weavergen generations', read: true },
    async (s) =>
      (
        await s.api.get<{ generations: GenerationRecord[] }>(
          `/v1/generations?${new URLSearchParams({ limit: opts.limit })}`,
        )
      ).generations,
  );
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT.OK;
  }
  if (list.length === 0) {
    process.stdout.write('no generations yet: weavergen generate <registry> --lang ts\n');
    return EXIT.OK;
  }
  const rows = list.map((g) => [
    g.id,
    new Date(g.createdAt).toISOString().replace('T', ' ').slice(0, 19),
    g.status + (g.cachedFrom ? ' (cache)' : ''),
    g.languages.length
      ? g.languages.map((l) => `${l.language} ${l.winner ? l.winner.q.toFixed(2) : 'failed'}`).join(', ')
      : g.request.languages.join(', '),
    shown(g.request.registry),
  ]);
  process.stdout.write(`${table(['id', 'created (UTC)', 'status', 'languages (q)', 'registry'], rows)}\n`);
  process.stdout.write('\nwhy a result came out as it did: weavergen explain <id>\n');
  return EXIT.OK;
}
