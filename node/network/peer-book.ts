import { ipGroup } from './ip.js';
import { completeRecord, type NetState, type PeerRecord } from './persist.js';

/**
 * Which peers a node saves, to dial them again after a restart: retention by usefulness, not by
 * recency, so that a flood of new identities cannot flush the peers that proved themselves.
 *
 * The policy:
 * - Bootstrap peers are always saved; they take no place from the others.
 * - Every other peer earns a place only by evidence of usefulness (`merit`): valid digests it
 *   authored (3 points each, at most 50 counted), valid digests it was first to deliver by gossip or
 *   catch-up (1 point, at most 50), verified packs fetched from it (3 points, at most 20), and time
 *   connected (1 point per full 10 minutes, at most 144 = a day). The sum is halved for every
 *   `usefulHalfLifeMs` (default 7 days) since it was last useful. gossipsub's score, as last
 *   sampled while connected, ranks it further: a negative score divides the sum by 1 + |score|/10
 *   (one invalid message, -20, is a third; a heavily penalized peer keeps a place only while nobody
 *   better wants it), a positive one adds up to +5. A peer with no evidence is never saved:
 *   connecting, even many times, proves nothing.
 * - Places (default 64) go by merit, highest first, with at most `perIp` (default 2) identities
 *   from one IP and `perSubnet` (default 8) from one /24 (IPv4) or /48 (IPv6), counted on the IP
 *   the connection came from (observed, not the addresses a peer claims). An operator with one
 *   address, or one subnet, cannot take more places than that however many keys it makes.
 * - The book in memory is bounded too (8 x the places): past that, the unproven peer seen longest
 *   ago is forgotten first, then the least meritorious; connected, bootstrap and saved peers stay.
 * - The saved set is written at most every `flushIntervalMs` (default 30 s), at once when a peer
 *   first proves useful, and when the network stops.
 */
export interface PeerRetention {
  /** places for peers other than the bootstrap peers (default 64) */
  maxPeers: number;
  /** identities from one IP that may hold places (default 2) */
  perIp: number;
  /** identities from one /24 (IPv4) or /48 (IPv6) that may hold places (default 8) */
  perSubnet: number;
  /** usefulness counts half after this long without new evidence (default 7 days) */
  usefulHalfLifeMs: number;
  /** longest time between two writes of the saved set while it changes (default 30 s) */
  flushIntervalMs: number;
}

const UPTIME_QUANTUM_MS = 10 * 60_000;

/** the evidence a peer produced, before recency and score (0: it proved nothing) */
export function evidence(r: PeerRecord): number {
  return (
    3 * Math.min(r.digests, 50) +
    Math.min(r.relayed, 50) +
    3 * Math.min(r.packs, 20) +
    Math.min(Math.floor(r.connectedMs / UPTIME_QUANTUM_MS), 144)
  );
}

/** what a peer proved, as of `now` (see the policy above); 0 holds no place */
export function merit(r: PeerRecord, now: number, halfLifeMs: number): number {
  const e = evidence(r);
  if (e === 0) return 0;
  const recency = 0.5 ** (Math.max(0, now - r.lastUseful) / halfLifeMs);
  // a negative score ranks it down without a cliff: the score is a sample, and part of it (IP
  // colocation) can be other peers' doing
  if (r.score < 0) return (e * recency) / (1 + -r.score / 10);
  return e * recency + Math.min(r.score, 10) / 2;
}

/** The ids that hold a saved place: the bootstrap peers, then the others by merit under the caps. */
export function selectRetained(
  records: Iterable<PeerRecord>,
  bootstrap: ReadonlySet<string>,
  retention: PeerRetention,
  now: number,
): Set<string> {
  const keep = new Set<string>();
  const ranked: [PeerRecord, number][] = [];
  for (const r of records) {
    if (r.addrs.length === 0) continue;
    if (bootstrap.has(r.id)) keep.add(r.id);
    else {
      const m = merit(r, now, retention.usefulHalfLifeMs);
      if (m > 0) ranked.push([r, m]);
    }
  }
  ranked.sort(([a, ma], [b, mb]) => mb - ma || b.lastUseful - a.lastUseful || (a.id < b.id ? -1 : 1));
  const perIp = new Map<string, number>();
  const perGroup = new Map<string, number>();
  let places = 0;
  for (const [r] of ranked) {
    if (places >= retention.maxPeers) break;
    if (r.ip !== undefined) {
      const group = ipGroup(r.ip);
      if ((perIp.get(r.ip) ?? 0) >= retention.perIp || (perGroup.get(group) ?? 0) >= retention.perSubnet)
        continue;
      perIp.set(r.ip, (perIp.get(r.ip) ?? 0) + 1);
      perGroup.set(group, (perGroup.get(group) ?? 0) + 1);
    }
    keep.add(r.id);
    places++;
  }
  return keep;
}

export type Usefulness = 'digest' | 'relay' | 'pack';

export interface PeerBook {
  /** a first connection to the peer came up, from this IP */
  connected(id: string, ip: string | undefined, now?: number): void;
  /** its last connection closed */
  disconnected(id: string, now?: number): void;
  /** identify told its listen addresses */
  identified(id: string, addrs: string[], ip: string | undefined, now?: number): void;
  /** it proved useful (only peers this node met are credited) */
  useful(id: string, what: Usefulness, now?: number): void;
  /** gossipsub's score of a connected peer */
  scored(id: string, score: number): void;
  /** peers to dial, best first: the saved ones by merit, then the others by when they were seen */
  candidates(now?: number): PeerRecord[];
  /** ids holding a saved place now */
  retained(now?: number): Set<string>;
  record(id: string): PeerRecord | undefined;
  /** writes the saved set when due (`force`: now); never throws (errors go to onError) */
  flush(now?: number, force?: boolean): Promise<void>;
  readonly size: number;
}

export interface PeerBookInit {
  selfId: string;
  bootstrap: string[];
  retention: PeerRetention;
  onError(e: unknown): void;
}

export async function createPeerBook(state: NetState, init: PeerBookInit): Promise<PeerBook> {
  const { retention } = init;
  const bootstrap = new Set(init.bootstrap);
  const maxTracked = Math.max(64, retention.maxPeers * 8);
  const records = new Map<string, PeerRecord>();
  const persisted = new Set<string>();
  for (const r of await state.peerRecords()) {
    if (r.id === init.selfId) continue;
    records.set(r.id, completeRecord(r));
    persisted.add(r.id);
  }
  const since = new Map<string, number>();
  const dirty = new Set<string>();
  let urgent = false;
  let lastFlush = Date.now();
  let flushing: Promise<void> = Promise.resolve();

  const accrue = (now: number) => {
    for (const [id, t] of since) {
      const r = records.get(id);
      since.set(id, now);
      if (!r || now <= t) continue;
      const before = Math.floor(r.connectedMs / UPTIME_QUANTUM_MS);
      r.connectedMs += now - t;
      if (Math.floor(r.connectedMs / UPTIME_QUANTUM_MS) > before) credit(r, now);
      dirty.add(id);
    }
  };

  const credit = (r: PeerRecord, now: number) => {
    if (r.score < 0) return;
    r.lastUseful = now;
    if (!persisted.has(r.id)) urgent = true;
  };

  const evict = () => {
    while (records.size > maxTracked) {
      const now = Date.now();
      let worst: PeerRecord | undefined;
      let worstKey: [number, number] = [Number.POSITIVE_INFINITY, 0];
      for (const r of records.values()) {
        if (since.has(r.id) || bootstrap.has(r.id) || persisted.has(r.id)) continue;
        const key: [number, number] = [
          evidence(r) === 0 ? -1 : merit(r, now, retention.usefulHalfLifeMs),
          r.lastSeen,
        ];
        if (key[0] < worstKey[0] || (key[0] === worstKey[0] && key[1] < worstKey[1])) {
          worst = r;
          worstKey = key;
        }
      }
      if (!worst) return;
      records.delete(worst.id);
      dirty.delete(worst.id);
    }
  };

  const touch = (id: string, now: number): PeerRecord => {
    let r = records.get(id);
    if (!r) {
      r = completeRecord({ id, firstSeen: now, lastSeen: now });
      records.set(id, r);
      evict();
    }
    r.lastSeen = now;
    return r;
  };

  const retained = (now = Date.now()) => selectRetained(records.values(), bootstrap, retention, now);

  const write = async (now: number) => {
    accrue(now);
    const keep = retained(now);
    const put = [...keep].flatMap((id) => {
      const r = records.get(id);
      return r && (dirty.has(id) || !persisted.has(id)) ? [{ ...r }] : [];
    });
    const del = [...persisted].filter((id) => !keep.has(id));
    lastFlush = now;
    urgent = false;
    for (const r of put) dirty.delete(r.id);
    if (put.length === 0 && del.length === 0) return;
    try {
      await state.updatePeerRecords(put, del);
      for (const id of del) persisted.delete(id);
      for (const r of put) persisted.add(r.id);
    } catch (e) {
      for (const r of put) dirty.add(r.id);
      init.onError(e);
    }
  };

  return {
    connected(id, ip, now = Date.now()) {
      if (id === init.selfId) return;
      const r = touch(id, now);
      if (ip !== undefined && r.ip !== ip) {
        r.ip = ip;
        dirty.add(id);
      }
      if (!since.has(id)) since.set(id, now);
    },
    disconnected(id, now = Date.now()) {
      if (!since.has(id)) return;
      accrue(now);
      since.delete(id);
      const r = records.get(id);
      if (r) r.lastSeen = now;
      evict();
    },
    identified(id, addrs, ip, now = Date.now()) {
      if (id === init.selfId) return;
      const r = touch(id, now);
      const next = addrs.slice(0, 8);
      if (next.length > 0 && next.join() !== r.addrs.join()) {
        r.addrs = next;
        dirty.add(id);
      }
      if (ip !== undefined && r.ip === undefined) r.ip = ip;
    },
    useful(id, what, now = Date.now()) {
      const r = records.get(id);
      if (!r) return;
      if (what === 'digest') r.digests++;
      else if (what === 'relay') r.relayed++;
      else r.packs++;
      credit(r, now);
      dirty.add(id);
    },
    scored(id, score) {
      const r = records.get(id);
      if (!r || !Number.isFinite(score) || r.score === score) return;
      r.score = score;
      dirty.add(id);
    },
    candidates(now = Date.now()) {
      const dialable = [...records.values()].filter((r) => r.addrs.length > 0 && r.id !== init.selfId);
      const m = new Map(dialable.map((r) => [r.id, merit(r, now, retention.usefulHalfLifeMs)]));
      return dialable.sort(
        (a, b) =>
          Number((m.get(b.id) ?? 0) > 0) - Number((m.get(a.id) ?? 0) > 0) ||
          (m.get(b.id) ?? 0) - (m.get(a.id) ?? 0) ||
          b.lastSeen - a.lastSeen,
      );
    },
    retained,
    record: (id) => records.get(id),
    flush(now = Date.now(), force = false) {
      if (!force && !urgent && now - lastFlush < retention.flushIntervalMs) return flushing;
      flushing = flushing.then(() => write(now)).catch(init.onError);
      return flushing;
    },
    get size() {
      return records.size;
    },
  };
}
