import type { NetContext } from './context.js';

const MAX_TRIES = 3;

/**
 * Provides a cid in the DHT in the background; resolves true when it worked. Without peers a DHT
 * provide can only time out, so the cid waits in `pendingProvides` for the upkeep round that finds
 * the node connected (flushPendingProvides); a failed provide is retried there a few times.
 */
export function provideInBackground(ctx: NetContext, cid: string): Promise<boolean> {
  const current = ctx.run;
  if (!current) return Promise.resolve(false);
  if (current.libp2p.getPeers().length === 0) {
    ctx.pendingProvides.set(cid, ctx.pendingProvides.get(cid) ?? 0);
    return Promise.resolve(false);
  }
  return current.providers.provide(cid, current.abort.signal).then((ok) => {
    if (ok) {
      ctx.stat.provided.ok++;
      ctx.pendingProvides.delete(cid);
    } else {
      ctx.stat.provided.failed++;
      const tries = (ctx.pendingProvides.get(cid) ?? 0) + 1;
      if (tries < MAX_TRIES) ctx.pendingProvides.set(cid, tries);
      else ctx.pendingProvides.delete(cid);
    }
    return ok;
  });
}

const flushing = new WeakSet<NetContext>();

export async function flushPendingProvides(ctx: NetContext): Promise<void> {
  const current = ctx.run;
  if (!current || flushing.has(ctx) || ctx.pendingProvides.size === 0) return;
  if (current.libp2p.getPeers().length === 0) return;
  flushing.add(ctx);
  try {
    await Promise.all([...ctx.pendingProvides.keys()].map((cid) => provideInBackground(ctx, cid)));
  } finally {
    flushing.delete(ctx);
  }
}
