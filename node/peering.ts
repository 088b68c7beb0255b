import { randomInt } from 'node:crypto';
import type { PrivateKey } from '@libp2p/interface';
import { createMarketplace, type Marketplace } from '../marketplace/index.js';
import { DEFAULT_RELEASE_MODEL } from '../protocols/anonymizer.js';
import type { NodeConfig } from './config.js';
import type { ArmStats, Learning } from './learning/index.js';
import type { AnnouncedPattern, FetchedPack, FetchOptions, Network, PeerSummary } from './network/index.js';
import { packIdOf } from './optimizer/arms.js';
import { builtinPacks, type Pack } from './packs/index.js';
import { createPackStore, type PackStore } from './packs/store.js';
import { openPublicPacks } from './public-packs.js';
import {
  contextFilter,
  describeShare,
  parseShare,
  publicModelFilter,
  publishes,
  receives,
  type Share,
  shareText,
} from './share.js';
import type { Store } from './storage/index.js';
import { openTrust } from './trust-store.js';

/** What `weavergen peers`, `GET /v1/peers` and the dashboard show of the share setting. */
export interface ShareInfo {
  /** the setting as configured: off | receive-only | contexts:<list> | all */
  mode: string;
  /** this node publishes digests (contexts, all) */
  publishes: boolean;
  /** peers' digests become priors here (every mode but off) */
  receives: boolean;
  /** one line saying what that means */
  description: string;
  /** packs whose arms may be published: built-in, published by this node, announced on the network and not used here from a local folder */
  publicPacks: number;
  /** model-id patterns whose arms may be published (network.publicModels) */
  publicModels: string[];
  epochMs: number;
}

/**
 * The node's place in the network: the libp2p network, the marketplace that turns peers' digests
 * into ratings and priors, and the epoch timer that publishes this node's anonymized digest when
 * its team chose to share (`network.share`), at a random moment of each epoch.
 */
export interface Peering {
  network?: Network;
  marketplace: Marketplace;
  /** trust-discounted pseudo-counts per arm key for a context, from peers' digests */
  priors(contextKey: string, armKeys: string[]): Record<string, { n: number; sumQ: number; sumQ2?: number }>;
  /** fresh local statistics after an ingest (used to judge peers' reports) */
  refresh(): Promise<void>;
  /** announces one of this node's packs on the network; its arms become public (throws when the network is off) */
  publishPack(pack: Pack): Promise<AnnouncedPattern>;
  /** a pack by content id from its providers, verified (throws NETWORK_NOT_STARTED when the network is off) */
  fetchPack(cid: string, options?: FetchOptions): Promise<FetchedPack>;
  /** serves a pack this node holds to peers and provides it in the DHT, without announcing it (no-op when off) */
  servePack(pack: Pack): Promise<void>;
  /** a pack used here from a local folder: private (kept in the store), whoever announces it */
  localPack(cid: string): Promise<void>;
  /** the node's peer key (in the home), which signs its packs and ratings */
  peerKey(): Promise<PrivateKey>;
  info(): {
    peerId?: string;
    /** the addresses peers are told (with /p2p/<peer id>) */
    addresses: string[];
    /** the configured listen addresses */
    listen: string[];
    peers: PeerSummary[];
    stats?: ReturnType<Network['stats']>;
    share: ShareInfo;
    /** set when the node announces no address because it listens on a wildcard without network.announce */
    notice?: string;
  };
  stop(): Promise<void>;
}

/**
 * Where several tenants share, an entry leaves only when at least this many of them contributed
 * outcomes to it (node/shared-learning.ts counts them; a single-tenant node's entries carry no
 * count and are not cut).
 */
export const K_PROJECTS = 2;

/**
 * Runs `task` once per epoch at a uniformly random moment of it (CSPRNG), never at a fixed phase of
 * the clock and not at start: a moment of the current epoch that has already passed moves to the next.
 */
export function everyEpochAtRandom(epochMs: number, task: () => Promise<void>, now = Date.now) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let next: number | undefined;
  const plan = (epoch: number) => {
    for (let e = epoch; !stopped; e++) {
      const at = e * epochMs + randomInt(1, epochMs);
      const wait = at - now();
      if (wait <= 0) continue;
      next = at;
      timer = setTimeout(() => {
        void task().finally(() => plan(e + 1));
      }, wait);
      timer.unref();
      return;
    }
  };
  plan(Math.floor(now() / epochMs));
  return {
    get next() {
      return next;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export async function createPeering(
  components: { store: Store; learning: Learning; log: (m: string) => void },
  config: NodeConfig,
): Promise<Peering> {
  const { learning, log, store } = components;
  const n = config.network;
  const parsed = parseShare(n.share);
  // the config checked it; a hand-built config that did not falls back to sharing nothing
  const share: Share = parsed.ok ? parsed.share : { mode: 'receive-only' };
  const shareInfo = (packs?: { size: number }): ShareInfo => ({
    mode: shareText(share),
    publishes: publishes(share),
    receives: receives(share),
    description: describeShare(share),
    publicPacks: packs?.size ?? 0,
    publicModels: [...n.publicModels],
    epochMs: n.epochMs,
  });
  let local: ArmStats[] = await learning.allArmStats();
  const peerKey = async () => (await import('./network/peer-key.js')).loadOrCreatePeerKey(config.home);
  if (!n.enabled) {
    const marketplace = createMarketplace();
    // what peers announced while a node ran with the network on: searchable here too
    await indexAnnouncements(createPackStore(store), marketplace, log);
    const off = async (operation: string) => {
      const { NetworkError, NetworkErrorCode } = await import('./network/errors.js');
      return new NetworkError(
        { code: NetworkErrorCode.NOT_STARTED, operation },
        `the network is off here (--no-network, or a command's own node): ${operation} needs a node running with the network on (weavergen node start)`,
      );
    };
    return {
      marketplace,
      priors: () => ({}),
      refresh: async () => {},
      publishPack: async () => {
        throw await off('publishPack');
      },
      fetchPack: async () => {
        throw await off('fetchPack');
      },
      servePack: async () => {},
      // remembered with the network off too: a node started later on this home must know it
      localPack: async (cid) => (await openPublicPacks(store, [])).local(cid),
      peerKey,
      info: () => ({ addresses: [], listen: [], peers: [], share: shareInfo() }),
      stop: async () => {},
    };
  }
  const packs = await openPublicPacks(store, (await builtinPacks()).map(packIdOf));
  // libp2p is loaded only by a node that joins the network (CLI commands start without it)
  const { createNetwork, isWildcard, loadOrCreatePeerKey, NetworkError, NetworkErrorCode } = await import(
    './network/index.js'
  );
  const key = await loadOrCreatePeerKey(config.home);
  // each peer's trust, as saved (a restart does not make every peer a stranger again)
  const trust = await openTrust(store, log);
  const marketplace = createMarketplace({ privateKey: key }, { reputationSnapshot: trust.snapshot });
  trust.attach(marketplace);
  // what may leave: public packs, public models, the contexts the team shares (the anonymizer
  // applies it to every entry, after k and before the noise)
  const publicModel = publicModelFilter(n.publicModels);
  const release = {
    releaseModel: (model: string) => DEFAULT_RELEASE_MODEL(model) && publicModel(model),
    releasePack: (cid: string) => packs.has(cid),
    releaseContext: contextFilter(share),
  };
  const network = createNetwork(
    { store: components.store, onError: (e) => log(`network: ${(e as Error).message ?? e}`) },
    {
      peerKey: key,
      listen: n.listen,
      ...(n.announce?.length ? { announce: n.announce } : {}),
      bootstrap: n.bootstrap,
      mdns: n.mdns,
      anonymizer: {
        k: n.k,
        kProjects: K_PROJECTS,
        epsilon: n.epsilon,
        budgetPerYear: n.budget,
        epochMs: n.epochMs,
        ...release,
      },
    },
  );
  await network.start().catch(async (e) => {
    await network.stop().catch(() => {});
    if (e instanceof NetworkError) throw e;
    // the address is well formed but cannot be listened on here (not this machine's, in use, privileged)
    throw new NetworkError(
      { code: NetworkErrorCode.BAD_ADDRESS, address: n.listen.join(',') },
      `cannot listen on ${n.listen.join(', ')}: ${String((e as Error).message).split('\n')[0]}; pick another address (--listen) or run with --no-network`,
    );
  });
  const notice =
    !n.announce?.length && n.listen.some(isWildcard)
      ? `listening on ${n.listen.filter(isWildcard).join(', ')} without network.announce: no address of this machine is announced to peers (set network.announce, WEAVERGEN_ANNOUNCE or --announce to the address peers can dial)`
      : undefined;
  if (notice) log(notice);
  // the built-in packs are served to peers (pack fetch by content id, DHT provider records)
  void builtinPacks()
    .then((packs) => Promise.all(packs.map((p) => network.providePack(p))))
    .catch((e: Error) => {
      // a node stopped before its packs were provided has nothing to report
      if (!(e instanceof NetworkError && e.code === NetworkErrorCode.NOT_STARTED))
        log(`packs not provided: ${e.message}`);
    });
  // a pack announced on the network is public (peers can fetch it, so its arms may be published),
  // unless this node used it from a local folder: anyone holding a copy can announce it
  const offPattern = network.onPattern((a) => {
    packs.announced(a.cid).catch((e: Error) => log(`public pack not saved: ${e.message}`));
  });
  const offKept = await keepAnnouncements(network, createPackStore(store), marketplace, log);
  // peers' digests become ratings (unless sharing is off); the author whose signature verified is the one judged
  const offDigest = receives(share)
    ? (() => {
        for (const d of network.digests()) marketplace.receiveDigest(d, local, d.peer);
        trust.changed();
        return network.onDigest((digest, meta) => {
          const verdict = marketplace.receiveDigest(digest, local, meta.from);
          if (!verdict.ok) log(`digest from ${meta.from} rejected: ${verdict.reason}`);
          trust.changed();
        });
      })()
    : () => {};
  const publish = async () => {
    try {
      const r = await network.publishLearning(await learning.allArmStats());
      if (!r.published) log(`digest not published: ${r.reason}`);
    } catch (e) {
      log(`digest not published: ${(e as Error).message}`);
    }
  };
  const epochs = publishes(share) ? everyEpochAtRandom(n.epochMs, publish) : undefined;
  return {
    network,
    marketplace,
    priors: (contextKey, armKeys) => marketplace.priorsFor(contextKey, armKeys),
    refresh: async () => {
      local = await learning.allArmStats();
      trust.recheck(local);
    },
    async publishPack(pack) {
      const announced = await network.announcePattern(pack);
      await packs.published(announced.announcement.cid);
      return announced;
    },
    fetchPack: (cid, options) => network.fetchPack(cid, options),
    async servePack(pack) {
      await network.providePack(pack);
    },
    localPack: (cid) => packs.local(cid),
    peerKey: async () => key,
    info: () => ({
      peerId: network.peerId,
      addresses: network.addresses(),
      listen: [...n.listen],
      peers: network.peers().map((p) => ({ ...p, trust: marketplace.reputation.weight(p.id) })),
      stats: network.stats(),
      share: shareInfo(packs),
      ...(notice ? { notice } : {}),
    }),
    async stop() {
      epochs?.stop();
      offDigest();
      offPattern();
      offKept();
      await trust.flush();
      await network.stop();
    },
  };
}

/**
 * Announcements this node kept (the pack store) into the marketplace's index, so `pack search`
 * finds packs peers announced, after a restart and in a command's own node too. Each is checked
 * again (schema, signature) on the way in: the store is a file on disk.
 */
async function indexAnnouncements(
  kept: PackStore,
  marketplace: Marketplace,
  log: (m: string) => void,
): Promise<void> {
  const rows = await kept.announced().catch((e: Error) => {
    log(`announced packs not read: ${e.message}`);
    return [];
  });
  for (const r of rows) await marketplace.receiveAnnouncement(r.announcement);
}

/**
 * Received announcements go somewhere: each one the network accepted (validated, rate limited per
 * author) is indexed in the marketplace (unverified until fetched) and kept in the store, bounded in
 * count (packs/store.ts MAX_ANNOUNCEMENTS, the oldest received dropped first) and in size (one
 * announcement is at most LIMITS.patternBytes).
 */
async function keepAnnouncements(
  network: Network,
  kept: PackStore,
  marketplace: Marketplace,
  log: (m: string) => void,
): Promise<() => void> {
  await indexAnnouncements(kept, marketplace, log);
  return network.onPattern((a, meta) => {
    void (async () => {
      const indexed = await marketplace.receiveAnnouncement(a, meta.from);
      if (!indexed.ok) return log(`announcement from ${meta.from} not indexed: ${indexed.reason}`);
      await kept.announce({ announcement: a, at: meta.receivedAt, via: meta.via });
    })().catch((e: Error) => log(`announcement not kept: ${e.message}`));
  });
}
