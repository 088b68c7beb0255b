import './polyfill.js';
import { multiaddr } from '@multiformats/multiaddr';
import {
  createAnonymizer,
  createReplayGuard,
  encodeCanonical,
  INITIAL_PRIVACY_STATE,
  PATTERN_TOPIC,
} from '../../protocols/index.js';
import type { NetContext, Running } from './context.js';
import { createCounters } from './counters.js';
import { NetworkError, NetworkErrorCode } from './errors.js';
import { fetchPack } from './fetch-pack.js';
import type { Network, NetworkComponents, NetworkInit, PublishLearningResult } from './index.js';
import { peerIdOfKey } from './peer-key.js';
import { createNetState } from './persist.js';
import { provideInBackground } from './provide-queue.js';
import { publishBytes, publishDigest, signedAnnouncement } from './publish.js';
import { createRateLimiter } from './rate-limit.js';
import { networkStats, peerSummaries } from './report.js';
import { startRun, stopRun } from './run.js';
import { createServedPacks } from './served-packs.js';
import { resolveSettings } from './settings.js';

/**
 * The network part of a node. Created stopped; `start` builds and starts a libp2p node, `stop`
 * stops it (and `start` again builds a new one on the same identity and state).
 */
export function createNetwork(components: NetworkComponents, init: NetworkInit): Network {
  const settings = resolveSettings(init);
  const r = settings.rateLimits;
  const ctx: NetContext = {
    selfId: peerIdOfKey(init.peerKey),
    peerKey: init.peerKey,
    settings,
    counters: createCounters(settings.maxTrackedPeers),
    state: createNetState(components.store),
    anonymizer: createAnonymizer(init.anonymizer),
    served: createServedPacks(settings.maxServedPacks, settings.maxServedBytes),
    announcements: new Map(),
    patternReplay: createReplayGuard({ maxKeys: settings.maxTrackedPeers * 8 }),
    limits: {
      perSource: createRateLimiter(r.messagesPerPeer),
      digestsPerAuthor: createRateLimiter(r.digestsPerAuthor),
      patternsPerAuthor: createRateLimiter(r.patternsPerAuthor),
      packRequests: createRateLimiter(r.packRequestsPerPeer),
      syncRequests: createRateLimiter(r.syncRequestsPerPeer),
    },
    listeners: { digest: new Set(), pattern: new Set() },
    own: {},
    lastAnnounced: new Map(),
    pendingProvides: new Map(),
    stat: {
      published: { digests: 0, patterns: 0 },
      fetched: 0,
      fetchedVia: {},
      provided: { ok: 0, failed: 0 },
      dialFailures: 0,
      gossipRepairs: 0,
    },
    onError: components.onError ?? (() => undefined),
    privacy: INITIAL_PRIVACY_STATE,
    run: undefined,
  };
  let starting: Promise<void> | undefined;
  let privacyQueue: Promise<unknown> = Promise.resolve();

  const running = (what: string): Running => {
    if (!ctx.run)
      throw new NetworkError(
        { code: NetworkErrorCode.NOT_STARTED, operation: what },
        `the network is not started (${what})`,
      );
    return ctx.run;
  };

  // one digest build at a time: the budget read, spent and written back without interleaving
  const buildDigest: Network['buildDigest'] = (stats) => {
    const next = privacyQueue.then(async () => {
      const state = await ctx.state.privacy();
      const result = ctx.anonymizer.build(stats, { now: settings.clock(), state });
      // a build that released nothing may still have drawn noise (and spent): that is kept too
      if (result.state !== state) {
        await ctx.state.setPrivacy(result.state);
        ctx.privacy = result.state;
      }
      return result;
    });
    privacyQueue = next.catch(() => undefined);
    return next;
  };

  return {
    peerId: ctx.selfId,
    get started() {
      return ctx.run !== undefined;
    },
    async start() {
      if (ctx.run) return;
      starting ??= startRun(ctx).then(
        (run) => {
          ctx.run = run;
          starting = undefined;
        },
        (e) => {
          starting = undefined;
          throw e;
        },
      );
      await starting;
    },
    async stop() {
      if (starting) await starting.catch(() => undefined);
      const run = ctx.run;
      if (!run) return;
      ctx.run = undefined;
      await stopRun(run);
    },
    addresses: () => ctx.run?.libp2p.getMultiaddrs().map(String) ?? [],
    async dial(addr) {
      let ma: ReturnType<typeof multiaddr>;
      try {
        ma = multiaddr(addr);
      } catch (e) {
        throw new NetworkError(
          { code: NetworkErrorCode.BAD_ADDRESS, address: addr },
          `not a multiaddr: ${addr} (${(e as Error).message})`,
        );
      }
      await running('dial').libp2p.dial(ma, { signal: AbortSignal.timeout(settings.timeouts.dialMs) });
    },
    peers: () => peerSummaries(ctx),
    digests: () => ctx.run?.book.latest() ?? [],
    buildDigest,
    publishDigest: async (digest) => publishDigest(ctx, running('publishDigest'), digest),
    async publishLearning(stats): Promise<PublishLearningResult> {
      const current = running('publishLearning');
      const built = await buildDigest(stats);
      if (!built.ok) return { published: false, reason: built.reason, withheld: built.withheld };
      return {
        published: true,
        withheld: built.withheld,
        ...(await publishDigest(ctx, current, built.digest)),
      };
    },
    async announcePattern(pack) {
      const current = running('announcePattern');
      const announcement = await signedAnnouncement(ctx, pack);
      const provided = provideInBackground(ctx, announcement.cid);
      const recipients = await publishBytes(current, PATTERN_TOPIC, encodeCanonical(announcement));
      ctx.stat.published.patterns++;
      return { announcement, recipients, provided };
    },
    async providePack(pack) {
      running('providePack');
      const announcement = await signedAnnouncement(ctx, pack);
      const dhtProvided = await provideInBackground(ctx, announcement.cid);
      return { cid: announcement.cid, announcement, dhtProvided };
    },
    fetchPack: async (cid, options) => fetchPack(ctx, running('fetchPack'), cid, options),
    onDigest(listener) {
      ctx.listeners.digest.add(listener);
      return () => void ctx.listeners.digest.delete(listener);
    },
    onPattern(listener) {
      ctx.listeners.pattern.add(listener);
      return () => void ctx.listeners.pattern.delete(listener);
    },
    stats: () => networkStats(ctx),
  };
}
