import { createMarketplace, type Marketplace } from '../marketplace/index.js';
import type { NodeConfig } from './config.js';
import type { ArmStats, Learning } from './learning/index.js';
import type { Network, PeerSummary } from './network/index.js';
import { builtinPacks } from './packs/index.js';
import type { Store } from './storage/index.js';

/**
 * The node's place in the network: the libp2p network, the marketplace that turns peers' digests
 * into ratings and priors, and the epoch timer that publishes this node's anonymized digest.
 */
export interface Peering {
  network?: Network;
  marketplace: Marketplace;
  /** trust-discounted pseudo-counts per arm key for a context, from peers' digests */
  priors(contextKey: string, armKeys: string[]): Record<string, { n: number; sumQ: number; sumQ2?: number }>;
  /** fresh local statistics after an ingest (used to judge peers' reports) */
  refresh(): Promise<void>;
  info(): {
    peerId?: string;
    addresses: string[];
    peers: PeerSummary[];
    stats?: ReturnType<Network['stats']>;
  };
  stop(): Promise<void>;
}

export async function createPeering(
  components: { store: Store; learning: Learning; log: (m: string) => void },
  config: NodeConfig,
): Promise<Peering> {
  const { learning, log } = components;
  let local: ArmStats[] = await learning.allArmStats();
  if (!config.network.enabled) {
    const marketplace = createMarketplace();
    return {
      marketplace,
      priors: () => ({}),
      refresh: async () => {},
      info: () => ({ addresses: [], peers: [] }),
      stop: async () => {},
    };
  }
  // libp2p is loaded only by a node that joins the network (CLI commands start without it)
  const { createNetwork, loadOrCreatePeerKey, NetworkError, NetworkErrorCode } = await import(
    './network/index.js'
  );
  const peerKey = await loadOrCreatePeerKey(config.home);
  const marketplace = createMarketplace({ privateKey: peerKey });
  const n = config.network;
  const network = createNetwork(
    { store: components.store, onError: (e) => log(`network: ${(e as Error).message ?? e}`) },
    {
      peerKey,
      listen: n.listen,
      bootstrap: n.bootstrap,
      mdns: n.mdns,
      anonymizer: { k: n.k, epsilon: n.epsilon, lifetimeBudget: n.budget, epochMs: n.epochMs },
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
  // the built-in packs are served to peers (pack fetch by content id, DHT provider records)
  void builtinPacks()
    .then((packs) => Promise.all(packs.map((p) => network.providePack(p))))
    .catch((e: Error) => {
      // a node stopped before its packs were provided has nothing to report
      if (!(e instanceof NetworkError && e.code === NetworkErrorCode.NOT_STARTED))
        log(`packs not provided: ${e.message}`);
    });
  // peers' digests become ratings; the sender the network authenticated is the one judged
  for (const d of network.digests()) marketplace.receiveDigest(d, local, d.peer);
  const off = network.onDigest((digest, meta) => {
    const verdict = marketplace.receiveDigest(digest, local, meta.from);
    if (!verdict.ok) log(`digest from ${meta.from} rejected: ${verdict.reason}`);
  });
  const publish = async () => {
    try {
      const r = await network.publishLearning(await learning.allArmStats());
      if (!r.published) log(`digest not published: ${r.reason}`);
    } catch (e) {
      log(`digest not published: ${(e as Error).message}`);
    }
  };
  const timer = setInterval(publish, n.epochMs);
  timer.unref();
  return {
    network,
    marketplace,
    priors: (contextKey, armKeys) => marketplace.priorsFor(contextKey, armKeys),
    refresh: async () => {
      local = await learning.allArmStats();
    },
    info: () => ({
      peerId: network.peerId,
      addresses: network.addresses(),
      peers: network.peers(),
      stats: network.stats(),
    }),
    async stop() {
      clearInterval(timer);
      off();
      await network.stop();
    },
  };
}
