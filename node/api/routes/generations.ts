import type { Hono } from 'hono';
import type { GenerationRecord } from '../../jobs/types.js';
import type { TenantNode } from '../../node.js';
import { renderChain, renderMermaid } from '../../reasoning/chain.js';
import { frozenJson, type RouteContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { GenerationsQuerySchema } from '../schemas.js';
import { idParam, parseWith, singleQuery } from '../validate.js';

export async function findGeneration(
  node: TenantNode,
  id: string,
  what = 'generation',
): Promise<GenerationRecord> {
  const record = await node.generation(id);
  if (!record)
    throw new ApiError(
      ApiErrorCode.NOT_FOUND,
      `no ${what} with id ${id} on this node; \`weavergen generations\` (GET /v1/generations) lists the recent ones`,
    );
  return record;
}

/** GET /v1/generations (newest first), /v1/generations/:id, its decisions and its decision chain (text + Mermaid). */
export function generationRoutes(app: Hono, { tenant, auth }: RouteContext): void {
  const listJson = frozenJson((generations: GenerationRecord[]) => ({ generations }));
  app.get('/v1/generations', auth.read, async (c) => {
    const node = await tenant(c);
    const { limit } = parseWith(GenerationsQuerySchema, singleQuery(c).query, 'query');
    return listJson(c, await node.generations(limit));
  });

  app.get('/v1/generations/:id', auth.read, async (c) =>
    c.json(await findGeneration(await tenant(c), idParam(c, 'id'))),
  );

  app.get('/v1/generations/:id/decisions', auth.read, async (c) => {
    const node = await tenant(c);
    const { id } = await findGeneration(node, idParam(c, 'id'));
    return c.json({ generationId: id, decisions: await node.decisions(id) });
  });

  // a task's loop records its decisions the same way, under the task's id
  app.get('/v1/generations/:id/chain', auth.read, async (c) => {
    const node = await tenant(c);
    const wanted = idParam(c, 'id');
    const found =
      (await node.taskRecord(wanted)) ?? (await findGeneration(node, wanted, 'generation or task'));
    const decisions = await node.decisions(found.id);
    const cachedFrom = 'cachedFrom' in found ? found.cachedFrom : undefined;
    return c.json({
      generationId: found.id,
      // served from the cache: the decisions after its own are those of the generation that produced it
      ...(cachedFrom ? { cachedFrom } : {}),
      decisions,
      text: renderChain(decisions),
      mermaid: renderMermaid(decisions),
    });
  });
}
