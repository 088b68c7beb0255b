import { resolve } from 'node:path';
import { createLearning, type Insights, renderInsights } from '../../node/learning/index.js';
import { createStore } from '../../node/storage/index.js';
import { connect } from '../client.js';
import { EXIT } from '../errors.js';

/** `weavergen insights`: what the node learned, from the running node's API or from the home store. */
export async function insights(opts: { home?: string; json?: boolean }): Promise<number> {
  const home = resolve(opts.home ?? process.env.WEAVERGEN_HOME ?? '.weavergen');
  let result: Insights;
  const api = await connect(home);
  if (api) result = await api.get<Insights>('/v1/insights');
  else {
    const store = await createStore({ path: resolve(home, 'db') }).catch((e: Error) => {
      throw new Error(
        `cannot open ${home}/db: ${e.message} (is a node running on this home without its API?)`,
      );
    });
    try {
      result = await createLearning({ store }).insights();
    } finally {
      await store.close();
    }
  }
  process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderInsights(result)}\n`);
  return EXIT.OK;
}
