import type { Store } from './storage/index.js';

/**
 * Which packs' content ids may appear in this node's digests, kept in the store (config sublevel,
 * local only: never gossiped):
 *
 * - `share!pack!<cid>`  announced on the network (by anyone, signed): public unless local-only here
 * - `share!mine!<cid>`  published by this node: public
 * - `share!local!<cid>` used here from a local folder (`--pack ./our-pack`): private
 *
 * A pack may be released iff it is built in, published here, or announced and not local-only.
 * Local-only wins over announced: anyone holding a copy of a team's private pack can sign and
 * announce it, and that must not make this node publish the team's figures for it. Publishing it
 * here is the team's own choice, so it wins over local-only.
 */
export interface PublicPacks {
  /** may arms of this pack appear in digests */
  has(cid: string): boolean;
  /** packs that may: built-in, published here, announced and not local-only */
  readonly size: number;
  announced(cid: string): Promise<void>;
  published(cid: string): Promise<void>;
  /** used from a local folder here: private, whoever announces it */
  local(cid: string): Promise<void>;
}

const ANNOUNCED = 'share!pack!';
const MINE = 'share!mine!';
const LOCAL = 'share!local!';
/** announcements come from anyone: a flood of them forgets the oldest first */
const MAX_ANNOUNCED = 10_000;
/**
 * Only this node's own generations add local-only packs (each edit of a pack folder is a new cid);
 * the bound is for the store's sake, far above what a team produces (forgetting one would let an
 * announcement of that old version make it public again).
 */
const MAX_LOCAL = 100_000;
const MAX_MINE = 10_000;

export async function openPublicPacks(store: Store, builtin: Iterable<string>): Promise<PublicPacks> {
  const builtins = new Set(builtin);
  const load = async (prefix: string) => {
    const rows = await store.scan<{ at?: number }>('config', { prefix }).catch(() => []);
    const known = new Map<string, number>();
    for (const [key, v] of rows.sort((a, b) => (a[1]?.at ?? 0) - (b[1]?.at ?? 0)))
      known.set(key.slice(prefix.length), v?.at ?? 0);
    return known;
  };
  const sets = {
    [ANNOUNCED]: { known: await load(ANNOUNCED), max: MAX_ANNOUNCED },
    [MINE]: { known: await load(MINE), max: MAX_MINE },
    [LOCAL]: { known: await load(LOCAL), max: MAX_LOCAL },
  };
  const announced = sets[ANNOUNCED].known;
  const mine = sets[MINE].known;
  const local = sets[LOCAL].known;
  const has = (cid: string) => builtins.has(cid) || mine.has(cid) || (announced.has(cid) && !local.has(cid));
  async function add(prefix: keyof typeof sets, cid: string) {
    const { known, max } = sets[prefix];
    if (known.has(cid)) return;
    const at = Date.now();
    known.set(cid, at);
    const ops: Parameters<Store['batch']>[0] = [
      { type: 'put', sublevel: 'config', key: `${prefix}${cid}`, value: { at } },
    ];
    while (known.size > max) {
      const oldest = known.keys().next().value as string;
      known.delete(oldest);
      ops.push({ type: 'del', sublevel: 'config', key: `${prefix}${oldest}` });
    }
    await store.batch(ops);
  }
  return {
    has,
    get size() {
      const all = new Set([...builtins, ...mine.keys(), ...announced.keys()]);
      let n = 0;
      for (const cid of all) if (has(cid)) n++;
      return n;
    },
    announced: (cid) => (builtins.has(cid) ? Promise.resolve() : add(ANNOUNCED, cid)),
    published: (cid) => (builtins.has(cid) ? Promise.resolve() : add(MINE, cid)),
    local: (cid) => (builtins.has(cid) ? Promise.resolve() : add(LOCAL, cid)),
  };
}
