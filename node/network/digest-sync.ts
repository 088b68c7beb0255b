import type { Libp2p, PeerId, Stream, StreamHandler } from '@libp2p/interface';
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
import { type FrameFailure, isNetworkError, NetworkErrorCode } from './errors.js';
import { frameReader, streamBytes, writeFrame } from './frames.js';
import type { MessageMeta } from './gossip.js';
import type { RateLimiter } from './rate-limit.js';

export interface DigestSyncServerDeps {
  /** the latest digest of each peer this node holds, its own included */
  latest(): Digest[];
  counters: Counters;
  limiter: RateLimiter;
  /** the whole exchange */
  timeoutMs: number;
  /** longest wait for the asker: to take a frame written, or to end its side */
  idleMs: number;
}

/**
 * Frame failures on the catch-up protocol, counted against the peer as `digests:<key>`: what the
 * peer did wrong is a reject, what may be the network's (a stall, a reset) a fail.
 */
export const SYNC_FAILURE_KEYS: Record<FrameFailure, string> = {
  oversized: 'reject:sync-oversized',
  'bad-length': 'reject:sync-bad-length',
  truncated: 'reject:sync-truncated',
  stalled: 'fail:sync-stalled',
  timeout: 'fail:sync-timeout',
  closed: 'fail:sync-closed',
};
const TOO_MANY = 'reject:sync-too-many-frames';
const UNEXPECTED = 'reject:sync-unexpected-data';

/** how the asker's side of the stream ended: it must send nothing and end */
async function askerSide(stream: Stream): Promise<'end' | 'data' | 'closed'> {
  try {
    for await (const chunk of streamBytes(stream)) if (chunk.byteLength > 0) return 'data';
    return 'end';
  } catch {
    return 'closed';
  }
}

/** the value, or 'stalled' when it takes longer than ms */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'stalled'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<'stalled'>((r) => (timer = setTimeout(() => r('stalled'), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Serves `/weavergen/digests/2.0.0`: the newest digests this node holds (at most LIMITS.syncDigests),
 * one frame each, exactly as their authors signed them, then closes. The asker sends nothing and
 * ends its side: a byte from it (`reject:sync-unexpected-data`), an asker that takes nothing or
 * does not end its side within idleMs (`fail:sync-stalled`), or the whole exchange past timeoutMs
 * (`fail:sync-timeout`) is counted against it and the stream is aborted. Rate limited per peer.
 */
export function digestSyncHandler(deps: DigestSyncServerDeps): StreamHandler {
  return async (stream, connection) => {
    const peer = connection.remotePeer.toString();
    const deadline = AbortSignal.timeout(deps.timeoutMs);
    let failure: string | undefined;
    const fail = (key: string, why: string) => {
      failure ??= key;
      stream.abort(new Error(why));
    };
    const asker = askerSide(stream);
    void asker.then((r) => r === 'data' && fail(UNEXPECTED, 'the asker sent data'));
    let idle: AbortSignal | undefined;
    const bounded = () => {
      idle = AbortSignal.timeout(deps.idleMs);
      return AbortSignal.any([deadline, idle]);
    };
    try {
      if (!deps.limiter.take(peer)) deps.counters.count('digests', 'ignore:sync-rate-limited', peer);
      else {
        const newest = [...deps.latest()].sort((a, b) => b.at - a.at).slice(0, LIMITS.syncDigests);
        for (const d of newest) await writeFrame(stream, encodeCanonical(d), bounded());
      }
      await stream.close({ signal: bounded() });
      const end = await within(asker, deps.idleMs);
      if (end === 'stalled') fail(SYNC_FAILURE_KEYS.stalled, 'the asker did not end its side');
    } catch (e) {
      if (deadline.aborted) fail(SYNC_FAILURE_KEYS.timeout, 'timed out');
      else if (idle?.aborted) fail(SYNC_FAILURE_KEYS.stalled, 'the asker takes nothing');
      else fail(SYNC_FAILURE_KEYS.closed, e instanceof Error ? e.message : String(e));
    }
    // a failure the asker caused is counted once, under its first reason (a reset that follows
    // an abort is not counted again)
    if (failure) deps.counters.count('digests', failure, peer);
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
 * already known epochs ignored, every verdict counted. Frame-level problems are counted against the
 * peer by reason (SYNC_FAILURE_KEYS: a length prefix that is no varint, a frame over the cap, a
 * frame cut short, no byte for idleMs, the whole answer past timeoutMs; and more frames than
 * LIMITS.syncDigests), and end the exchange. Returns how many were new; never throws.
 */
export async function syncDigests(
  libp2p: Libp2p,
  peer: PeerId,
  deps: DigestSyncClientDeps,
  timing: { timeoutMs: number; idleMs: number },
): Promise<number> {
  const via = peer.toString();
  const signal = AbortSignal.timeout(timing.timeoutMs);
  let added = 0;
  let stream: Stream;
  try {
    stream = await libp2p.dialProtocol(peer, DIGEST_SYNC_PROTOCOL, { signal });
  } catch {
    // a peer that does not speak the protocol, or goes away: nothing to catch up from it
    return 0;
  }
  try {
    await stream.close({ signal });
    const frames = frameReader(stream, LIMITS.digestBytes, { idleMs: timing.idleMs });
    for (let n = 1; ; n++) {
      const bytes = await frames.next(LIMITS.digestBytes, signal);
      if (!bytes) break;
      if (n > LIMITS.syncDigests) {
        deps.counters.count('digests', TOO_MANY, via);
        break;
      }
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
  } catch (e) {
    const reason: FrameFailure = isNetworkError(e, NetworkErrorCode.FRAME_FAILED)
      ? e.type.reason
      : signal.aborted
        ? 'timeout'
        : 'closed';
    deps.counters.count('digests', SYNC_FAILURE_KEYS[reason], via);
  } finally {
    stream.abort(new Error('done'));
  }
  return added;
}
