import type { Store } from '../storage/index.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

interface Counters {
  gen: Map<number, number>;
  tok: Map<number, number>;
  out: number;
}

/**
 * Per-tenant usage counters, kept in memory and written through to the store (`usage!<tenant>!...`
 * in the tenants sublevel) so a restart keeps the hour's and the day's counts: generations per
 * minute, LLM tokens per hour, bytes of files written. Buckets past their window are dropped.
 */
export function createUsageCounters(store: Store) {
  const all = new Map<string, Promise<Counters>>();
  const load = (tenant: string) => {
    let c = all.get(tenant);
    if (!c) {
      c = (async () => {
        const counters: Counters = { gen: new Map(), tok: new Map(), out: 0 };
        for (const [key, value] of await store.scan<number>('tenants', { prefix: `usage!${tenant}!` })) {
          const [, , kind, bucket] = key.split('!');
          if (kind === 'gen') counters.gen.set(Number(bucket), value);
          else if (kind === 'tok') counters.tok.set(Number(bucket), value);
          else if (kind === 'out') counters.out = value;
        }
        return counters;
      })();
      all.set(tenant, c);
    }
    return c;
  };
  const bump = async (tenant: string, kind: 'gen' | 'tok', bucket: number, by: number, keep: number) => {
    const c = await load(tenant);
    const map = c[kind];
    map.set(bucket, (map.get(bucket) ?? 0) + by);
    const ops: { type: 'put' | 'del'; sublevel: 'tenants'; key: string; value?: unknown }[] = [
      { type: 'put', sublevel: 'tenants', key: `usage!${tenant}!${kind}!${bucket}`, value: map.get(bucket) },
    ];
    for (const old of [...map.keys()].filter((b) => b <= bucket - keep)) {
      map.delete(old);
      ops.push({ type: 'del', sublevel: 'tenants', key: `usage!${tenant}!${kind}!${old}` });
    }
    await store.batch(ops);
  };
  return {
    generation: (tenant: string, now = Date.now()) => bump(tenant, 'gen', Math.floor(now / MINUTE), 1, 60),
    tokens: (tenant: string, n: number, now = Date.now()) =>
      n > 0 ? bump(tenant, 'tok', Math.floor(now / HOUR), n, 24) : Promise.resolve(),
    async output(tenant: string, bytes: number) {
      const c = await load(tenant);
      c.out += bytes;
      await store.put('tenants', `usage!${tenant}!out`, c.out);
    },
    async read(tenant: string) {
      const c = await load(tenant);
      return {
        generationsByMinute: [...c.gen.entries()],
        tokensByHour: [...c.tok.entries()],
        outputBytes: c.out,
      };
    },
  };
}
export type UsageCounters = ReturnType<typeof createUsageCounters>;
