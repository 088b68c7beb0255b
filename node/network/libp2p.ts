import { createHash } from 'node:crypto';
import './polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score';
import { identify } from '@libp2p/identify';
import type { ConnectionGater, Libp2p, PeerInfo, PrivateKey } from '@libp2p/interface';
import {
  type KadDHT,
  kadDHT,
  passthroughMapper,
  removePrivateAddressesMapper,
  removePublicAddressesMapper,
} from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { DHT_PROTOCOL, DIGEST_TOPIC, LIMITS, PATTERN_TOPIC, TOPICS } from '../../protocols/index.js';
import { isWildcard } from './settings.js';

export type WeaverServices = {
  identify: ReturnType<ReturnType<typeof identify>>;
  ping: Ping;
  pubsub: GossipSub;
  dht: KadDHT;
};

export type WeaverLibp2p = Libp2p<WeaverServices>;

export type DhtAddressFilter = 'all' | 'public' | 'private';

export interface Libp2pSetup {
  privateKey: PrivateKey;
  listen: string[];
  /**
   * the only addresses announced (identify, DHT, mDNS); without them the listen addresses are, except
   * that a wildcard (0.0.0.0, ::) is announced as nothing rather than as every interface's address
   */
  announce?: string[];
  bootstrap: string[];
  mdns: boolean;
  /** answer DHT queries (server) or only ask (client) */
  dhtServer: boolean;
  /** which peer addresses the DHT keeps and hands out: all (LAN, loopback), public only, private only */
  dhtAddresses: DhtAddressFilter;
  heartbeatIntervalMs: number;
  maxConnections: number;
  dialTimeoutMs: number;
  connectionGater?: ConnectionGater;
  /** connections being upgraded at once, all peers together (libp2p's default 10) */
  maxIncomingPendingConnections?: number;
  /** new connections per second from one host before libp2p refuses them, uncounted (libp2p's default 5) */
  inboundConnectionThreshold?: number;
  scoreParams?: Partial<PeerScoreParams>;
  scoreThresholds?: Partial<PeerScoreThresholds>;
}

/**
 * Per-topic score parameters for low-rate topics (a digest per node per epoch, a few announcements):
 * no mesh-delivery quota (a quiet peer is not a bad one), a small bonus for first deliveries, and a
 * heavy, slowly decaying penalty for invalid messages (half-life about 70 s at the 1 s decay
 * interval), so a peer that sends garbage falls below the gossip and graylist thresholds.
 */
export const TOPIC_SCORE: Partial<TopicScoreParams> = {
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -20,
  invalidMessageDeliveriesDecay: 0.99,
};

const MAPPERS: Record<DhtAddressFilter, (p: PeerInfo) => PeerInfo> = {
  all: passthroughMapper,
  public: removePrivateAddressesMapper,
  private: removePublicAddressesMapper,
};

const hostOf = (address: string) => /^\/(?:ip[46]|dns[46]?)\/([^/]+)/.exec(address)?.[1];

/**
 * What is announced without `announce`: the transport addresses on the hosts the node was told to
 * listen on by name. A wildcard's expansion (every interface: LAN, container, VPN addresses) is
 * left out, so a node on 0.0.0.0 without `announce` announces nothing (peering.ts says so once).
 */
export function listenedHostsFilter(listen: string[]): ((addrs: Multiaddr[]) => Multiaddr[]) | undefined {
  if (!listen.some(isWildcard)) return undefined;
  const hosts = new Set(listen.filter((a) => !isWildcard(a)).map(hostOf));
  return (addrs) => addrs.filter((a) => hosts.has(hostOf(a.toString())));
}

/**
 * The libp2p node: TCP, Noise, Yamux, identify, ping, gossipsub (StrictNoSign: no author, sequence
 * number or signature on gossip messages, which would name the publisher to every relay and date
 * its process start; digests and announcements are signed by their authors inside, and validated
 * by that signature), kad-dht on WeaverGen's own protocol id, the bootstrap list and, when asked,
 * mDNS. Not started: the caller starts it.
 */
export async function createLibp2pNode(s: Libp2pSetup): Promise<WeaverLibp2p> {
  const peerDiscovery = [
    ...(s.bootstrap.length > 0 ? [bootstrap({ list: s.bootstrap, timeout: 50 })] : []),
    ...(s.mdns ? [mdns({ serviceTag: 'weavergen.local' })] : []),
  ];
  const hideWildcards = s.announce?.length ? undefined : listenedHostsFilter(s.listen);
  return createLibp2p<WeaverServices>({
    start: false,
    privateKey: s.privateKey,
    addresses: {
      listen: s.listen,
      ...(s.announce?.length ? { announce: s.announce } : {}),
      ...(hideWildcards ? { announceFilter: hideWildcards } : {}),
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionManager: {
      maxConnections: s.maxConnections,
      dialTimeout: s.dialTimeoutMs,
      ...(s.maxIncomingPendingConnections !== undefined
        ? { maxIncomingPendingConnections: s.maxIncomingPendingConnections }
        : {}),
      ...(s.inboundConnectionThreshold !== undefined
        ? { inboundConnectionThreshold: s.inboundConnectionThreshold }
        : {}),
    },
    ...(s.connectionGater ? { connectionGater: s.connectionGater } : {}),
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictNoSign',
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        // duplicates (most of what a mesh receives) are dropped on this hash before they are
        // validated; the data carries its author's peer id and signature, so two nodes' digests differ
        fastMsgIdFn: fastMessageId,
        heartbeatInterval: s.heartbeatIntervalMs,
        allowedTopics: [...TOPICS],
        // an RPC may batch messages; one message's own cap is checked by the validators
        maxInboundDataLength: 4 * LIMITS.digestBytes,
        scoreParams: {
          ...s.scoreParams,
          topics: { [DIGEST_TOPIC]: TOPIC_SCORE, [PATTERN_TOPIC]: TOPIC_SCORE, ...s.scoreParams?.topics },
        } as Partial<PeerScoreParams>,
        ...(s.scoreThresholds ? { scoreThresholds: s.scoreThresholds } : {}),
      }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: !s.dhtServer,
        // the first self-query fills the routing table; every query waits for it (default 1 s)
        initialQuerySelfInterval: 200,
        peerInfoMapper: MAPPERS[s.dhtAddresses],
        logPrefix: 'weavergen:dht',
        datastorePrefix: '/weavergen-dht',
        metricsPrefix: 'weavergen_dht',
      }),
    },
  });
}

const NONE = new Uint8Array(0);

/**
 * sha1 over author, sequence number and data: cheap, and unique per message. Under StrictNoSign the
 * first two are absent and the data alone (signed inside by its author) tells messages apart.
 */
export const fastMessageId = (m: { from?: Uint8Array; seqno?: Uint8Array; data?: Uint8Array }) =>
  createHash('sha1')
    .update(m.from ?? NONE)
    .update(m.seqno ?? NONE)
    .update(m.data ?? NONE)
    .digest('base64');
