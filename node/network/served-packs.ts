import type { ServedPack } from './pack-protocol.js';

/**
 * The packs this node serves over the pack protocol: its own (pinned) and, when re-providing is
 * on, the ones it fetched (evicted oldest first past the count or byte limits).
 */
export interface ServedPacks {
  get(cid: string): ServedPack | undefined;
  put(cid: string, p: ServedPack, pinned: boolean): void;
  cids(): string[];
  readonly size: number;
  readonly bytes: number;
}

export function createServedPacks(maxPacks: number, maxBytes: number): ServedPacks {
  const packs = new Map<string, ServedPack & { pinned: boolean }>();
  let bytes = 0;
  const evict = () => {
    for (const [cid, p] of packs) {
      if (packs.size <= maxPacks && bytes <= maxBytes) return;
      if (p.pinned) continue;
      packs.delete(cid);
      bytes -= p.bytes.byteLength;
    }
  };
  return {
    get: (cid) => packs.get(cid),
    put(cid, p, pinned) {
      const prev = packs.get(cid);
      if (prev) {
        bytes -= prev.bytes.byteLength;
        packs.delete(cid);
      }
      packs.set(cid, { ...p, pinned: pinned || (prev?.pinned ?? false) });
      bytes += p.bytes.byteLength;
      evict();
    },
    cids: () => [...packs.keys()],
    get size() {
      return packs.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
