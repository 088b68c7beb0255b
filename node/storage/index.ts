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
  /** tenants, their hashed tokens and usage counters (node/tenancy) */
  'tenants',
  /** shared annotations of generations: fields with versions and a comment thread (node/collab) */
  'annotations',
] as const;
export type SublevelName = (typeof SUBLEVELS)[number];

export interface StoreInit {
  /** folder of the LevelDB; created when missing */
  path: string;
}

export interface ScanOptions {
  prefix?: string;
  gte?: string;
  lte?: string;
  limit?: number;
  reverse?: boolean;
}

export interface StreamOptions extends ScanOptions {
  /** entries per batch (default 1,000): memory holds one batch, not the sublevel */
  batch?: number;
  /**
   * `raw`: values as the stored bytes (a Buffer of the JSON), undecoded, for readers that look
   * before they parse (a reader that needs one span in four decodes one in four)
   */
  values?: 'json' | 'raw';
}

export interface Store {
  readonly path: string;
  /** Every value of a sublevel under a key prefix, in key order, at most `limit`. */
  scan<V>(name: SublevelName, opts?: ScanOptions): Promise<[string, V][]>;
  /**
   * The same entries as scan, streamed: batches read from a LevelDB iterator as the reader asks for
   * them, so reading a sublevel of any size holds one batch at a time.
   */
  stream<V>(name: SublevelName, opts?: StreamOptions): AsyncIterable<[string, V][]>;
  get<V>(name: SublevelName, key: string): Promise<V | undefined>;
  /** Several keys in one read (undefined for a missing key), in the order given. */
  getMany<V>(
    name: SublevelName,
    keys: string[],
    opts?: { values?: 'json' | 'raw' },
  ): Promise<(V | undefined)[]>;
  put(name: SublevelName, key: string, value: unknown): Promise<void>;
  batch(ops: { type: 'put' | 'del'; sublevel: SublevelName; key: string; value?: unknown }[]): Promise<void>;
  /**
   * The same sublevels for one tenant, nested under a sublevel of its own (`!tenant.<id>!!spans!...`):
   * no key of it falls in a range of this store's sublevels, so a scan of one never sees the other.
   * Shares this store's database; closing it does nothing (the database closes with its owner).
   */
  within(scope: string): Store;
  /**
   * Bytes the database holds on disk for `within(scope)`, or without a scope for this store's own
   * sublevels (LevelDB's estimate: recent writes count once they are flushed from memory)
   */
  sizeOf(scope?: string): Promise<number>;
  close(): Promise<void>;
}

/** Names a scope may have: they become sublevel names, whose characters LevelDB sublevels restrict. */
export const SCOPE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const scopeSublevel = (scope: string) => `tenant.${scope}`;

export async function createStore(init: StoreInit): Promise<Store> {
  await mkdir(init.path, { recursive: true });
  const db = new Level<string, unknown>(init.path, { valueEncoding: 'json' });
  await db.open();
  const store = storeOver(init.path, db, db, async () => db.close());
  return store;
}

type Parent = Pick<Level<string, unknown>, 'sublevel'>;

function storeOver(
  path: string,
  db: Level<string, unknown>,
  parent: Parent,
  close: () => Promise<void>,
): Store {
  const subs = new Map(
    SUBLEVELS.map((n) => [n, parent.sublevel<string, unknown>(n, { valueEncoding: 'json' })]),
  );
  const sub = (n: SublevelName) => subs.get(n)!;
  const scopes = new Map<string, Store>();
  async function* stream<V>(name: SublevelName, opts: StreamOptions = {}): AsyncGenerator<[string, V][]> {
    const range =
      opts.prefix !== undefined
        ? { gte: opts.prefix, lt: `${opts.prefix}\xff` }
        : { gte: opts.gte, lte: opts.lte };
    const it = sub(name).iterator<string, unknown>({
      ...stripUndefined(range),
      limit: opts.limit ?? -1,
      reverse: opts.reverse ?? false,
      valueEncoding: opts.values === 'raw' ? 'buffer' : 'json',
    });
    const size = Math.max(1, opts.batch ?? 1000);
    try {
      for (;;) {
        const batch = await it.nextv(size);
        if (batch.length === 0) return;
        yield batch as [string, V][];
      }
    } finally {
      await it.close();
    }
  }
  return {
    path,
    async scan<V>(name: SublevelName, opts: ScanOptions = {}) {
      const out: [string, V][] = [];
      for await (const batch of stream<V>(name, opts)) for (const e of batch) out.push(e);
      return out;
    },
    stream,
    async get<V>(name: SublevelName, key: string) {
      return (await sub(name).get(key)) as V | undefined;
    },
    async getMany<V>(name: SublevelName, keys: string[], opts: { values?: 'json' | 'raw' } = {}) {
      if (keys.length === 0) return [];
      return (await sub(name).getMany<string, unknown>(keys, {
        valueEncoding: opts.values === 'raw' ? 'buffer' : 'json',
      })) as (V | undefined)[];
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
    within(scope) {
      if (!SCOPE_NAME.test(scope)) throw new Error(`not a scope name: ${JSON.stringify(scope)}`);
      let scoped = scopes.get(scope);
      if (!scoped) {
        const nested = parent.sublevel<string, unknown>(scopeSublevel(scope), { valueEncoding: 'json' });
        scoped = storeOver(path, db, nested as unknown as Parent, async () => {});
        scopes.set(scope, scoped);
      }
      return scoped;
    },
    async sizeOf(scope) {
      // `level` is classic-level in Node, which has approximateSize (its browser twin has not)
      const sized = db as unknown as { approximateSize?(a: string, b: string): Promise<number> };
      if (!sized.approximateSize) return 0;
      // a sublevel's keys all begin with its prefix: `!tenant.<id>!`, `!spans!`
      const prefixes = scope === undefined ? SUBLEVELS.map((n) => `!${n}!`) : [`!${scopeSublevel(scope)}!`];
      const sizes = await Promise.all(prefixes.map((p) => sized.approximateSize!(p, `${p}\xff`)));
      return sizes.reduce((a, b) => a + b, 0);
    },
    close,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
