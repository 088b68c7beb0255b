import { mkdir } from 'node:fs/promises';
import { Level } from 'level';

/**
 * One LevelDB per node (the `level` package), one sublevel per concern. Values are JSON. A write is
 * acknowledged when its promise resolves: LevelDB has appended it to its log by then, so it survives
 * the process being killed (test/integration/storage-crash.test.ts kills a writer with SIGKILL).
 */
export const SUBLEVELS = [
  'spans',
  'spanIndex',
  'generations',
  'arms',
  'cache',
  'config',
  'decisions',
  'rules',
  'tasks',
  'idempotency',
] as const;
export type SublevelName = (typeof SUBLEVELS)[number];

export interface StoreInit {
  /** folder of the LevelDB; created when missing */
  path: string;
}

export interface Store {
  readonly path: string;
  /** Every value of a sublevel under a key prefix, in key order, at most `limit`. */
  scan<V>(
    name: SublevelName,
    opts?: { prefix?: string; gte?: string; lte?: string; limit?: number; reverse?: boolean },
  ): Promise<[string, V][]>;
  get<V>(name: SublevelName, key: string): Promise<V | undefined>;
  put(name: SublevelName, key: string, value: unknown): Promise<void>;
  batch(ops: { type: 'put' | 'del'; sublevel: SublevelName; key: string; value?: unknown }[]): Promise<void>;
  close(): Promise<void>;
}

export async function createStore(init: StoreInit): Promise<Store> {
  await mkdir(init.path, { recursive: true });
  const db = new Level<string, unknown>(init.path, { valueEncoding: 'json' });
  await db.open();
  const subs = new Map(SUBLEVELS.map((n) => [n, db.sublevel<string, unknown>(n, { valueEncoding: 'json' })]));
  const sub = (n: SublevelName) => subs.get(n)!;
  return {
    path: init.path,
    async scan<V>(
      name: SublevelName,
      opts: { prefix?: string; gte?: string; lte?: string; limit?: number; reverse?: boolean } = {},
    ) {
      const range =
        opts.prefix !== undefined
          ? { gte: opts.prefix, lt: `${opts.prefix}\xff` }
          : { gte: opts.gte, lte: opts.lte };
      const out: [string, V][] = [];
      for await (const [k, v] of sub(name).iterator({
        ...stripUndefined(range),
        limit: opts.limit ?? -1,
        reverse: opts.reverse ?? false,
      }))
        out.push([k, v as V]);
      return out;
    },
    async get<V>(name: SublevelName, key: string) {
      return (await sub(name).get(key)) as V | undefined;
    },
    put: (name, key, value) => sub(name).put(key, value),
    async batch(ops) {
      if (ops.length === 0) return;
      await db.batch(
        ops.map((o) =>
          o.type === 'put'
            ? { type: 'put' as const, sublevel: sub(o.sublevel), key: o.key, value: o.value }
            : { type: 'del' as const, sublevel: sub(o.sublevel), key: o.key },
        ),
      );
    },
    close: () => db.close(),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
