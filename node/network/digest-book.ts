import { createReplayGuard, type Digest, type ReplayGuard } from '../../protocols/index.js';
import type { NetState } from './persist.js';

/**
 * The latest digest of every peer: last writer wins per peer and epoch (DESIGN.md), so what the
 * marketplace aggregates from it is idempotent and order-free. Bounded: past `maxPeers` the peer
 * with the oldest digest is forgotten. Its replay guard is seeded from the persisted digests, so a
 * restarted node still refuses a peer's older epochs.
 */
export interface DigestBook {
  readonly replay: ReplayGuard;
  /** stores an accepted digest (the validator has already checked it is the newest) */
  put(d: Digest): void;
  latest(): Digest[];
  get(peer: string): Digest | undefined;
  readonly size: number;
}

export async function createDigestBook(
  state: NetState,
  maxPeers: number,
  onError: (e: unknown) => void,
): Promise<DigestBook> {
  const book = new Map<string, Digest>();
  for (const d of (await state.digests()).sort((a, b) => a.at - b.at)) book.set(d.peer, d);
  const replay = createReplayGuard({
    maxKeys: maxPeers * 4,
    restore: [...book.values()].map((d) => [d.peer, d.epoch] as [string, number]),
  });
  return {
    replay,
    put(d) {
      book.delete(d.peer);
      book.set(d.peer, d);
      state.putDigest(d).catch(onError);
      while (book.size > maxPeers) {
        const oldest = [...book.values()].reduce((a, b) => (b.at < a.at ? b : a));
        book.delete(oldest.peer);
        state.deleteDigest(oldest.peer).catch(onError);
      }
    },
    latest: () => [...book.values()],
    get: (peer) => book.get(peer),
    get size() {
      return book.size;
    },
  };
}
