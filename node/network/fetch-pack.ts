import { peerIdFromString } from '@libp2p/peer-id';
import { packFromBytes } from '../../marketplace/pack-codec.js';
import { isPackCid } from '../../protocols/index.js';
import type { NetContext, Running } from './context.js';
import { type FetchAttempt, isNetworkError, NetworkError, NetworkErrorCode } from './errors.js';
import type { FetchOptions } from './index.js';
import { type FetchedPack, requestPack } from './pack-protocol.js';
import { provideInBackground } from './provide-queue.js';
import type { ProviderCandidate } from './providers.js';

const LOOKUP_ROUNDS = 5;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Fetch failures that say the bytes or the announcement were bad (the rest are availability). */
const VERIFY_FAILURES = new Set([
  // frames and the response header
  'oversized',
  'bad-length',
  'truncated',
  'malformed',
  'non-canonical',
  'wrong-version',
  'bad-signature',
  'size-mismatch',
  'cid-mismatch',
  'not-canonical',
  'announcement-mismatch',
  // marketplace/signature.ts's verifyPack (the one check of pack bytes against their announcement)
  'too-large',
  'unsafe-path',
  'invalid-manifest',
  'missing-template',
  'bad-announcement',
  'name-mismatch',
  'version-mismatch',
  'unknown-publisher-key',
]);

/**
 * A pack by content id: this node's own copy, else the hinted peers (the caller's, the publisher of
 * an announcement seen), then the providers the DHT knows, one after the other, each bounded in
 * time, until one gives a copy that verifies. Every failed attempt is counted against its peer.
 */
export async function fetchPack(
  ctx: NetContext,
  current: Running,
  cid: string,
  options: FetchOptions = {},
): Promise<FetchedPack> {
  if (!isPackCid(cid))
    throw new NetworkError({ code: NetworkErrorCode.INVALID_CID, cid }, `not a pack content id: ${cid}`);
  const local = ctx.served.get(cid);
  if (local) {
    const decoded = packFromBytes(local.bytes, { cid, origin: 'local' });
    if (!decoded.ok)
      throw new NetworkError(
        { code: NetworkErrorCode.FETCH_FAILED, reason: decoded.reason },
        `this node's own copy of ${cid} does not decode: ${decoded.message}`,
      );
    return { pack: decoded.pack, announcement: local.announcement, bytes: local.bytes, from: ctx.selfId };
  }
  const { timeouts } = ctx.settings;
  const overall = AbortSignal.any([
    AbortSignal.timeout(options.timeoutMs ?? timeouts.fetchMs),
    current.abort.signal,
    ...(options.signal ? [options.signal] : []),
  ]);
  const announced = ctx.announcements.get(cid);
  const hints = [...(options.providers ?? []), ...(announced ? [announced.publisher] : [])];
  if (hints.length === 0 && current.libp2p.getPeers().length === 0)
    throw new NetworkError(
      { code: NetworkErrorCode.PACK_UNAVAILABLE, cid, attempts: [] },
      `no peers to fetch ${cid} from`,
    );

  const attempts: FetchAttempt[] = [];
  const tried = new Set([ctx.selfId]);

  // hints first, then DHT lookups: a lookup that finds nobody new is repeated (a node that just
  // joined has an empty routing table for a moment) until LOOKUP_ROUNDS or the deadline
  async function* candidates(): AsyncGenerator<ProviderCandidate> {
    for (const h of hints) {
      try {
        yield { id: peerIdFromString(h), source: 'hint' };
      } catch {
        // not a peer id: skipped
      }
    }
    const useDht = options.useDht ?? true;
    for (let round = 0; round < LOOKUP_ROUNDS && !overall.aborted; round++) {
      let fresh = 0;
      for await (const c of current.providers.find(cid, { signal: overall, useDht })) {
        if (!tried.has(c.id.toString())) fresh++;
        yield c;
      }
      if (!useDht || fresh > 0) return;
      await sleep(Math.min(2000, 250 * 2 ** round), overall);
    }
  }

  for await (const c of candidates()) {
    const peer = c.id.toString();
    if (tried.has(peer)) continue;
    tried.add(peer);
    try {
      const signal = AbortSignal.any([overall, AbortSignal.timeout(timeouts.providerMs)]);
      const got = await requestPack(current.libp2p, c.id, cid, signal);
      ctx.counters.count('packs', 'accept', peer);
      ctx.stat.fetched++;
      current.peers.useful(peer, 'pack');
      ctx.stat.fetchedVia[c.source] = (ctx.stat.fetchedVia[c.source] ?? 0) + 1;
      current.providers.remember(cid, peer);
      if (ctx.settings.reprovideFetched) {
        ctx.served.put(cid, { announcement: got.announcement, bytes: got.bytes }, false);
        void provideInBackground(ctx, cid);
      }
      return got;
    } catch (e) {
      const reason = isNetworkError(e, NetworkErrorCode.FETCH_FAILED) ? e.type.reason : 'error';
      attempts.push({ peer, source: c.source, reason });
      ctx.counters.count('packs', `${VERIFY_FAILURES.has(reason) ? 'reject' : 'fail'}:${reason}`, peer);
      current.providers.forget(cid, peer);
    }
    if (overall.aborted) break;
  }
  const tried_ = attempts.map((a) => `${a.peer.slice(-6)}: ${a.reason}`).join(', ');
  throw new NetworkError(
    { code: NetworkErrorCode.PACK_UNAVAILABLE, cid, attempts },
    `no provider gave a verified copy of ${cid} (${tried_ || 'no providers found'})`,
  );
}
