import type { DecisionRecord } from '../../node/jobs/types.js';
import { renderChain, renderMermaid } from '../../node/reasoning/chain.js';
import { EXIT, UsageError } from '../errors.js';
import { withSession } from '../session.js';

interface Chain {
  generationId: string;
  /** set when the generation was served from the cache: the one whose decisions follow */
  cachedFrom?: string;
  decisions: DecisionRecord[];
}

/** `weavergen explain <id>`: the decision chain of a generation or a task, as text and as a Mermaid diagram. */
export async function explain(
  id: string,
  opts: { home?: string; json?: boolean; mermaid?: boolean },
): Promise<number> {
  if (!id.trim())
    throw new UsageError('explain needs a generation or task id: `weavergen generations` lists them');
  const chain = await withSession({ home: opts.home, command: 'weavergen explain', read: true }, (s) =>
    s.api.get<Chain>(`/v1/generations/${encodeURIComponent(id)}/chain`),
  );
  const { decisions, cachedFrom } = chain;
  const mermaid = renderMermaid(decisions);
  if (opts.json) process.stdout.write(`${JSON.stringify({ ...chain, mermaid }, null, 2)}\n`);
  else if (opts.mermaid) process.stdout.write(`${mermaid}\n`);
  else {
    const note = cachedFrom
      ? `generation ${id} was served from the cache: the decisions below, after its own, are those of generation ${cachedFrom}, which produced the results\n\n`
      : '';
    process.stdout.write(`${note}${renderChain(decisions)}\n\n\`\`\`mermaid\n${mermaid}\n\`\`\`\n`);
  }
  return EXIT.OK;
}
