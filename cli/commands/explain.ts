import { resolve } from 'node:path';
import type { DecisionRecord } from '../../node/jobs/types.js';
import { renderChain, renderMermaid } from '../../node/reasoning/chain.js';
import { createStore } from '../../node/storage/index.js';
import { connect } from '../client.js';
import { EXIT } from '../errors.js';

/** `weavergen explain <id>`: the decision chain of a generation or a task, as text and as a Mermaid diagram. */
export async function explain(
  id: string,
  opts: { home?: string; json?: boolean; mermaid?: boolean },
): Promise<number> {
  const home = resolve(opts.home ?? process.env.WEAVERGEN_HOME ?? '.weavergen');
  let decisions: DecisionRecord[];
  const api = await connect(home);
  if (api)
    decisions = (
      await api.get<{ decisions: DecisionRecord[] }>(`/v1/generations/${encodeURIComponent(id)}/chain`)
    ).decisions;
  else {
    const store = await createStore({ path: resolve(home, 'db') });
    try {
      if (!(await store.get('generations', id)) && !(await store.get('tasks', id)))
        throw new Error(`no generation or task ${id} in ${home}`);
      decisions = (await store.scan<DecisionRecord>('decisions', { prefix: `gen!${id}!` })).map(([, d]) => d);
    } finally {
      await store.close();
    }
  }
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify({ generationId: id, decisions, mermaid: renderMermaid(decisions) }, null, 2)}\n`,
    );
  else if (opts.mermaid) process.stdout.write(`${renderMermaid(decisions)}\n`);
  else
    process.stdout.write(`${renderChain(decisions)}\n\n\`\`\`mermaid\n${renderMermaid(decisions)}\n\`\`\`\n`);
  return EXIT.OK;
}
