import {
  DIGEST_SYNC_PROTOCOL,
  type Digest,
  PACK_PROTOCOL,
  type PatternAnnouncement,
} from '../../protocols/index.js';
import type { NetContext, Running } from './context.js';
import { createDigestBook } from './digest-book.js';
import { digestSyncHandler, syncDigests } from './digest-sync.js';
import { installGossip, type MessageMeta } from './gossip.js';
import { inboundLimitsGater } from './inbound-limits.js';
import { ipOf } from './ip.js';
import { createLibp2pNode } from './libp2p.js';
import { createGossipRepair, maintainConnections } from './maintain.js';
import { packHandler } from './pack-protocol.js';
import { createPeerBook } from './peer-book.js';
import { flushPendingProvides } from './provide-queue.js';
import { createProviders, type Providers } from './providers.js';
import { gossipInternals } from './report.js';

const MAX_ANNOUNCEMENTS = 2000;

function emit<A, M>(ctx: NetContext, listeners: Set<(a: A, m: M) => void>, a: A, m: M) {
  for (const l of listeners) {
    try {
      l(a, m);
    } catch (e) {
      ctx.onError(e);
    }
  }
}

function remember(ctx: NetContext, providers: Providers, a: PatternAnnouncement) {
  ctx.announcements.delete(a.cid);
  ctx.announcements.set(a.cid, a);
  while (ctx.announcements.size > MAX_ANNOUNCEMENTS)
    ctx.announcements.delete(ctx.announcements.keys().next().value as string);
  providers.remember(a.cid, a.publisher);
}

/**
 * One run of the network: a new libp2p node (libp2p nodes are not restarted), the pack protocol,
 * the topic validators, peer bookkeeping and the upkeep timer. Served packs are provided again.
 */
export async function startRun(ctx: NetContext): Promise<Running> {
  const s = ctx.settings;
  const book = await createDigestBook(ctx.state, s.maxTrackedPeers, ctx.onError);
  ctx.privacy = await ctx.state.privacy();
  const peers = await createPeerBook(ctx.state, {
    selfId: ctx.selfId,
    bootstrap: s.bootstrap.map((b) => b.id.toString()),
    retention: s.peerRetention,
    onError: ctx.onError,
  });
  const libp2p = await createLibp2pNode({
    privateKey: ctx.peerKey,
    listen: s.listen,
    announce: s.announce,
    bootstrap: s.bootstrapList,
    mdns: s.mdns,
    dhtServer: s.dhtServer,
    dhtAddresses: s.dhtAddresses,
    heartbeatIntervalMs: s.heartbeatIntervalMs,
    maxConnections: s.maxConnections,
    dialTimeoutMs: s.timeouts.dialMs,
    connectionGater: inboundLimitsGater(s.inboundLimits, ctx.counters, s.connectionGater),
    maxIncomingPendingConnections: s.inboundLimits.pendingInbound,
    // libp2p's own per-host rate refuses without a trace: only a backstop far above the counted one
    inboundConnectionThreshold: Math.max(50, 4 * s.inboundLimits.ratePerIp.burst),
    scoreParams: s.scoreParams,
    scoreThresholds: s.scoreThresholds,
  });
  const providers = createProviders({
    selfId: ctx.selfId,
    dht: libp2p.services.dht,
    peerStore: libp2p.peerStore,
    cacheTtlMs: s.providerCacheTtlMs,
    findTimeoutMs: s.timeouts.findProvidersMs,
    provideTimeoutMs: s.timeouts.provideMs,
    maxProviders: 8,
  });
  await libp2p.start();
  try {
    await libp2p.handle(
      PACK_PROTOCOL,
      packHandler({
        lookup: (cid) => ctx.served.get(cid),
        counters: ctx.counters,
        limiter: ctx.limits.packRequests,
        timeoutMs: s.timeouts.serveMs,
      }),
      { maxInboundStreams: 32 },
    );
    await libp2p.handle(
      DIGEST_SYNC_PROTOCOL,
      digestSyncHandler({
        latest: () => (ctx.own.digest ? [ctx.own.digest, ...book.latest()] : book.latest()),
        counters: ctx.counters,
        limiter: ctx.limits.syncRequests,
        timeoutMs: s.timeouts.serveMs,
        idleMs: s.timeouts.syncIdleMs,
      }),
      { maxInboundStreams: 8 },
    );
  } catch (e) {
    await libp2p.stop();
    throw e;
  }
  const acceptDigest = (d: Digest, meta: MessageMeta) => {
    // usefulness, for which peers are saved: its author, and the peer that delivered it first
    peers.useful(d.peer, 'digest');
    if (meta.via !== d.peer) peers.useful(meta.via, 'relay');
    book.put(d);
    emit(ctx, ctx.listeners.digest, d, meta);
  };
  const uninstall = installGossip({
    pubsub: libp2p.services.pubsub,
    selfId: ctx.selfId,
    counters: ctx.counters,
    digestReplay: book.replay,
    patternReplay: ctx.patternReplay,
    limits: ctx.limits,
    clock: s.clock,
    validation: s.validation,
    acceptDigest,
    acceptPattern(a, meta) {
      remember(ctx, providers, a);
      emit(ctx, ctx.listeners.pattern, a, meta);
    },
  });

  // a node catches up on the digests published while it was away (or before it existed): once per
  // peer per start, from every peer that speaks the protocol
  const synced = new Set<string>();
  libp2p.addEventListener('peer:identify', (e) => {
    const id = e.detail.peerId.toString();
    if (synced.has(id) || !e.detail.protocols.includes(DIGEST_SYNC_PROTOCOL)) return;
    synced.add(id);
    void syncDigests(
      libp2p,
      e.detail.peerId,
      {
        counters: ctx.counters,
        replay: book.replay,
        selfId: ctx.selfId,
        clock: s.clock,
        validation: s.validation,
        accept: acceptDigest,
      },
      { timeoutMs: s.timeouts.serveMs, idleMs: s.timeouts.syncIdleMs },
    );
  });

  // the peer book: who connected from where, for how long, and what they told identify
  libp2p.addEventListener('peer:connect', (e) => {
    const remote = libp2p.getConnections(e.detail)[0]?.remoteAddr;
    peers.connected(e.detail.toString(), remote ? ipOf(remote) : undefined);
  });
  libp2p.addEventListener('peer:disconnect', (e) => peers.disconnected(e.detail.toString()));
  libp2p.addEventListener('peer:identify', (e) => {
    const id = e.detail.peerId.toString();
    peers.identified(id, e.detail.listenAddrs.map(String), ipOf(e.detail.connection.remoteAddr));
  });
  // libp2p 3 does not dial discovered peers (mDNS, DHT) by itself: do it while short of peers
  libp2p.addEventListener('peer:discovery', (e) => {
    if (libp2p.getPeers().length >= s.minPeers || e.detail.id.equals(libp2p.peerId)) return;
    libp2p
      .dial(e.detail.id, { signal: AbortSignal.timeout(s.timeouts.dialMs) })
      .catch(() => ctx.stat.dialFailures++);
  });

  const repairGossip = createGossipRepair(libp2p);
  let busy = false;
  // one round at a time: a round waits on dials that may outlast the interval
  const maintain = async () => {
    if (busy || libp2p.status !== 'started') return;
    busy = true;
    try {
      ctx.stat.gossipRepairs += await repairGossip().catch(() => 0);
      await maintainConnections({
        libp2p,
        bootstrap: s.bootstrap,
        knownPeers: async () => peers.candidates(),
        minPeers: s.minPeers,
        dialTimeoutMs: s.timeouts.dialMs,
        onDialFailure: () => ctx.stat.dialFailures++,
      }).catch(ctx.onError);
      await flushPendingProvides(ctx).catch(ctx.onError);
      const gs = gossipInternals(libp2p);
      if (typeof gs.getScore === 'function')
        for (const p of libp2p.getPeers()) peers.scored(p.toString(), gs.getScore(p.toString()));
      // a round that outlived stop leaves the saved peers to the flush stop did
      if (libp2p.status === 'started') await peers.flush();
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(maintain, s.maintainIntervalMs);
  timer.unref();
  for (const cid of ctx.served.cids()) ctx.pendingProvides.set(cid, 0);
  const run: Running = {
    libp2p,
    book,
    peers,
    providers,
    uninstall,
    timer,
    abort: new AbortController(),
  };
  setImmediate(() => void maintain());
  return run;
}

export async function stopRun(run: Running): Promise<void> {
  clearInterval(run.timer);
  run.abort.abort();
  run.uninstall();
  await run.peers.flush(Date.now(), true);
  await run.libp2p.stop();
}
