import type { Libp2p, PeerId, StreamHandler } from '@libp2p/interface';
import {
  DIGEST_SYNC_PROTOCOL,
  type Digest,
  encodeCanonical,
  LIMITS,
  type ReplayGuard,
  type ValidateOptions,
  validateDigest,
  verdictKey,
} from '../../protocols/index.js';
import type { Counters } from './counters.js';
import { frameReader, writeFrame } from './frames.js';
import type { MessageMeta } from './gossip.js';
import type { RateLimiter } from './rate-limit.js';

export interface DigestSyncServerDeps {
  /** the latest digest of each peer this node holds, its own included */
  latest(): Digest[];
  counters: Counters;
  limiter: RateLimiter;
  timeoutMs: number;
}

/**
 * Serves `/weavergen/digests/1.0.0`: the newest digests this node holds (at most LIMITS.syncDigests),
 * one frame each, exactly as their authors signed them, then closes. Rate limited per peer.
 */
export function digestSyncHandler(deps: DigestSyncServerDeps): StreamHandler {
  return async (stream, connection) => {
    const peer = connection.remotePeer.toString();
    const signal = AbortSignal.timeout(deps.timeoutMs);
    try {
      if (!deps.limiter.take(peer)) {
        deps.counters.count('digests', 'ignore:sync-rate-limited', peer);
        await stream.close({ signal });
        return;
      }
      const newest = [...deps.latest()].sort((a, b) => b.at - a.at).slice(0, LIMITS.syncDigests);
      for (const d of newest) await writeFrame(stream, encodeCanonical(d), signal);
      await stream.close({ signal });
    } catch (e) {
      stream.abort(e instanceof Error ? e : new Error(String(e)));
    }
  };
}

export interface DigestSyncClientDeps {
  counters: Counters;
  replay: ReplayGuard;
  selfId: string;
  clock: () => number;
  validation: Pick<ValidateOptions, 'maxClockSkewMs'> & { digestMaxAgeMs?: number };
  accept(d: Digest, meta: MessageMeta): void;
}

/**
 * Asks one peer for the digests it holds and takes each one the way gossip would: checked by the
 * same validator (each is signed by its author, so the relaying peer vouches for nothing), older or
 * already known epochs ignored, every verdict counted. Returns how many were new; never throws.
 */
export async function syncDigests(
  libp2p: Libp2p,
  peer: PeerId,
  deps: DigestSyncClientDeps,
  timeoutMs: number,
): Promise<number> {
  const via = peer.toString();
  const signal = AbortSignal.timeout(timeoutMs);
  let added = 0;
  try {
    const stream = await libp2p.dialProtocol(peer, DIGEST_SYNC_PROTOCOL, { signal });
    try {
      await stream.close({ signal }).catch(() => undefined);
      const frames = frameReader(stream, LIMITS.digestBytes);
      for (let i = 0; i < LIMITS.syncDigests; i++) {
        const bytes = await frames.next(LIMITS.digestBytes, signal);
        if (!bytes) break;
        const verdict = await validateDigest(bytes, {
          now: deps.clock(),
          replay: deps.replay,
          maxClockSkewMs: deps.validation.maxClockSkewMs,
          maxAgeMs: deps.validation.digestMaxAgeMs,
        });
        if (verdict.action !== 'accept') {
          // most of what a peer holds is known already: that is the overlap, not misbehaviour
          if (verdict.action === 'ignore' && verdict.reason === 'replayed')
            deps.counters.count('digests', 'sync:known');
          else deps.counters.count('digests', verdictKey(verdict), via);
          continue;
        }
        if (verdict.value.peer === deps.selfId) continue;
        deps.counters.count('digests', 'accept', verdict.value.peer);
        deps.counters.count('digests', 'sync:accept');
        deps.accept(verdict.value, { from: verdict.value.peer, via, receivedAt: deps.clock() });
        added++;
      }
    } finally {
      stream.abort(new Error('done'));
    }
  } catch {
    // a peer that does not speak the protocol, or goes away: nothing to catch up from it
  }
  return added;
}
