import type { Insights } from '../../node/learning/index.js';
import { renderInsights } from '../../node/learning/insights.js';
import { EXIT } from '../errors.js';
import { withSession } from '../session.js';

/** `weavergen insights`: what the home's node learned (the running node, else the home's store). */
export async function insights(opts: { home?: string; json?: boolean }): Promise<number> {
  const result = await withSession({ home: opts.home, command: 'weavergen insights', read: true }, (s) =>
    s.api.get<Insights>('/v1/insights'),
  );
  process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderInsights(result)}\n`);
  return EXIT.OK;
}
