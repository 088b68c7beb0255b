import type {
  LocalArmStats,
  Marketplace,
  PeerRecordSnapshot,
  Reputation,
  ReputationSnapshot,
} from '../marketplace/index.js';
import type { Store } from './storage/index.js';

/**
 * Each peer's trust (marketplace/reputation.ts: its votes per digest epoch and its rejected
 * messages), kept in the store so a restart does not make every peer a stranger again, and a
 * liar cannot start over by waiting for one. One record per peer under `trust!peer!<peer id>` in
 * the config sublevel; only the peers that changed are written.
 */
const PREFIX = 'trust!peer!';

export async function loadTrust(store: Store): Promise<ReputationSnapshot> {
  const rows = await store.scan<PeerRecordSnapshot>('config', { prefix: PREFIX }).catch(() => []);
  return {
    version: 2,
    peers: rows.map(([key, r]) => ({ ...r, peer: key.slice(PREFIX.length) })),
  };
}

/** Writes the peers whose trust changed since the last save (and forgets the ones dropped). */
export async function saveTrust(store: Store, reputation: Reputation): Promise<number> {
  const { put, del } = reputation.takeChanges();
  await store.batch([
    ...put.map((r) => ({
      type: 'put' as const,
      sublevel: 'config' as const,
      key: `${PREFIX}${r.peer}`,
      value: r,
    })),
    ...del.map((peer) => ({ type: 'del' as const, sublevel: 'config' as const, key: `${PREFIX}${peer}` })),
  ]);
  return put.length + del.length;
}

/**
 * Saves at most once per `delayMs` after a change (digests arrive in bursts), and on flush (at stop).
 * A failed write is logged and its peers are written at the next save that changes them.
 */
export function trustSaver(store: Store, reputation: Reputation, log: (m: string) => void, delayMs = 1000) {
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  const save = () => {
    timer = undefined;
    writing = writing
      .then(() => saveTrust(store, reputation))
      .catch((e: Error) => log(`trust not saved: ${e.message}`));
    return writing;
  };
  return {
    /** a change happened: save soon */
    changed() {
      if (timer) return;
      timer = setTimeout(save, delayMs);
      timer.unref();
    },
    async flush() {
      clearTimeout(timer);
      await save();
    },
  };
}

/**
 * The trust wiring node/peering.ts uses: the saved trust to start the marketplace from, then a
 * save after digests are judged, a recheck of every held digest after a generation (this node's
 * measurements changed), and a last save at stop.
 */
export async function openTrust(store: Store, log: (m: string) => void) {
  const snapshot = await loadTrust(store);
  let saver: ReturnType<typeof trustSaver> | undefined;
  let market: Marketplace | undefined;
  return {
    snapshot,
    attach(marketplace: Marketplace) {
      market = marketplace;
      saver = trustSaver(store, marketplace.reputation, log);
    },
    /** digests were received (and judged) */
    changed: () => saver?.changed(),
    /** this node's statistics changed: judge the held digests again */
    recheck(local: Iterable<LocalArmStats>) {
      if (market && market.recheck(local) > 0) saver?.changed();
    },
    flush: async () => saver?.flush(),
  };
}
