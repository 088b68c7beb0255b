/**
 * One OS process of the network benchmark (bench/network.ts forks it): hosts a few WeaverGen
 * network nodes on 127.0.0.1 and answers the parent's requests over the fork IPC channel.
 *
 * Gossipsub's own counters are not exposed through the Network API, so this process instruments
 * GossipSub.prototype (shared by every node it hosts): `validateReceivedMessage` results on the
 * digest topic (a 'duplicate' is a copy of a message the node had already seen) and the duration
 * and spacing of `heartbeat` runs.
 */
import '../node/network/polyfill.js';
import { createServer, type Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { multiaddr } from '@multiformats/multiaddr';
import {
  createLibp2pNode,
  createNetwork,
  createPeerKey,
  type Network,
  type WeaverLibp2p,
} from '../node/network/index.js';
import { type ArmStatsLike, cidOfBytes, DIGEST_TOPIC } from '../protocols/index.js';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const now = () => performance.timeOrigin + performance.now();

interface Counts {
  duplicate: number;
  valid: number;
  invalid: number;
  heartbeatMs: number[];
  heartbeatGapMs: number[];
}
const counts: Counts = { duplicate: 0, valid: 0, invalid: 0, heartbeatMs: [], heartbeatGapMs: [] };

type Proto = {
  validateReceivedMessage(this: object, from: unknown, rpcMsg: { topic?: string }): Promise<{ code: string }>;
  heartbeat(this: object): Promise<void>;
};

/** Wraps two GossipSub methods; the class is not exported, so it is loaded by file. */
async function instrumentGossipsub(): Promise<void> {
  const url = new URL('./gossipsub.js', import.meta.resolve('@libp2p/gossipsub'));
  const mod = (await import(url.href)) as { GossipSub: { prototype: Proto } };
  const proto = mod.GossipSub.prototype;
  const validate = proto.validateReceivedMessage;
  proto.validateReceivedMessage = async function (from, rpcMsg) {
    const r = await validate.call(this, from, rpcMsg);
    if (rpcMsg.topic === DIGEST_TOPIC) {
      if (r.code === 'duplicate') counts.duplicate++;
      else if (r.code === 'valid') counts.valid++;
      else counts.invalid++;
    }
    return r;
  };
  const heartbeat = proto.heartbeat;
  const lastStart = new WeakMap<object, number>();
  proto.heartbeat = async function () {
    const t0 = performance.now();
    const prev = lastStart.get(this);
    if (prev !== undefined) counts.heartbeatGapMs.push(t0 - prev);
    lastStart.set(this, t0);
    try {
      await heartbeat.call(this);
    } finally {
      counts.heartbeatMs.push(performance.now() - t0);
    }
  };
}

let seq = 0;
/** Arm statistics with n well above k, so the anonymizer releases every entry. */
function someStats(tag: string, count = 3, n = 40): ArmStatsLike[] {
  seq++;
  return Array.from({ length: count }, (_, i) => ({
    contextKey: `typescript|builtin|${['xs', 's', 'm'][i % 3]}|e1t0d0m1`,
    armKey: `${cidOfBytes(new TextEncoder().encode(`bench-${tag}-${seq}-${i}`))}:0123456789ab:builtin`,
    n,
    sumQ: n * 0.8,
    sumQ2: n * 0.66,
  }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Receipt {
  key: string;
  at: number;
}

const nets: Network[] = [];
const receipts: Receipt[] = [];
let echo: Server | undefined;
let raw: WeaverLibp2p | undefined;

async function start(count: number, heartbeatMs: number): Promise<{ addrs: string[] }> {
  for (let i = 0; i < count; i++) {
    const net = createNetwork(
      {},
      {
        peerKey: await createPeerKey(),
        heartbeatIntervalMs: heartbeatMs,
        maintainIntervalMs: 2000,
        minPeers: 2,
        dhtServer: false,
        rateLimits: { digestsPerAuthor: { perMinute: 6000, burst: 100 } },
        anonymizer: { epochMs: 50, budgetPerYear: 100_000, epsilon: 1, k: 5 },
      },
    );
    net.onDigest((d) => receipts.push({ key: `${d.peer}|${d.epoch}`, at: now() }));
    nets.push(net);
  }
  await Promise.all(nets.map((n) => n.start()));
  return { addrs: nets.map((n) => n.addresses()[0]) };
}

async function dial(plan: [number, string][]): Promise<{ failed: number }> {
  let failed = 0;
  await Promise.all(
    plan.map(([i, addr]) =>
      nets[i].dial(addr).catch(() => {
        failed++;
      }),
    ),
  );
  return { failed };
}

function mesh(): { min: number; subscribers: number } {
  let min = Number.POSITIVE_INFINITY;
  let subscribers = Number.POSITIVE_INFINITY;
  for (const n of nets) {
    const t = n.stats().topics[DIGEST_TOPIC] ?? { mesh: 0, subscribers: 0 };
    min = Math.min(min, t.mesh);
    subscribers = Math.min(subscribers, t.subscribers);
  }
  return { min, subscribers };
}

/** Builds a digest (spending the anonymizer's budget), then times only the gossip publish. */
async function publish(i: number): Promise<{ key: string; t: number; recipients: number }> {
  const net = nets[i];
  for (let attempt = 0; attempt < 100; attempt++) {
    const r = await net.buildDigest(someStats(String(i)));
    if (r.ok) {
      const t = now();
      const p = await net.publishDigest(r.digest);
      return { key: `${p.digest.peer}|${p.digest.epoch}`, t, recipients: p.recipients };
    }
    if (r.reason !== 'epoch-already-published') throw new Error(`digest not built: ${r.reason}`);
    await sleep(10);
  }
  throw new Error('no new epoch in time');
}

/** Serves a TCP echo and a bare libp2p node (for ping) for the other process to measure RTT. */
async function rttServe(): Promise<{ port: number; pingAddr: string }> {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo?.listen(0, '127.0.0.1', r));
  const addr = echo.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  raw = await bareNode();
  return { port, pingAddr: raw.getMultiaddrs()[0].toString() };
}

async function bareNode(): Promise<WeaverLibp2p> {
  const node = await createLibp2pNode({
    privateKey: await createPeerKey(),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    mdns: false,
    dhtServer: false,
    dhtAddresses: 'all',
    heartbeatIntervalMs: 1000,
    maxConnections: 10,
    dialTimeoutMs: 3000,
  });
  await node.start();
  return node;
}

/** Round trips of 1 byte over raw TCP, and libp2p pings, to the other process. */
async function rttMeasure(
  port: number,
  pingAddr: string,
  rounds: number,
): Promise<{ tcp: number[]; ping: number[] }> {
  const sock = new Socket();
  await new Promise<void>((r) => sock.connect(port, '127.0.0.1', r));
  sock.setNoDelay(true);
  const tcp: number[] = [];
  for (let i = 0; i < rounds + 5; i++) {
    const t0 = performance.now();
    await new Promise<void>((r) => {
      sock.once('data', () => r());
      sock.write('x');
    });
    if (i >= 5) tcp.push(performance.now() - t0);
  }
  sock.destroy();
  raw = raw ?? (await bareNode());
  const ma = multiaddr(pingAddr);
  const ping: number[] = [];
  for (let i = 0; i < rounds + 5; i++) {
    const t0 = performance.now();
    await raw.services.ping.ping(ma, { signal: AbortSignal.timeout(3000) });
    if (i >= 5) ping.push(performance.now() - t0);
  }
  return { tcp, ping };
}

async function stop(): Promise<void> {
  await Promise.all(nets.map((n) => n.stop().catch(() => undefined)));
  await Promise.resolve(raw?.stop()).catch(() => undefined);
  echo?.close();
}

type Request = { id: number; cmd: string; args: unknown[] };

const handlers: Record<string, (...args: never[]) => unknown> = {
  start,
  dial,
  mesh,
  publish,
  rttServe,
  rttMeasure,
  count: () => receipts.length,
  report: () => ({ receipts, counts }),
  resetCounts: () => {
    counts.duplicate = 0;
    counts.valid = 0;
    counts.invalid = 0;
    counts.heartbeatMs.length = 0;
    counts.heartbeatGapMs.length = 0;
  },
  stop,
};

if (process.send) {
  await instrumentGossipsub();
  process.on('message', async (m: Request) => {
    try {
      const fn = handlers[m.cmd] as (...a: unknown[]) => unknown;
      const result = await fn(...m.args);
      // after stop, exit once the reply is out (libp2p may leave timers behind)
      process.send?.({ id: m.id, ok: true, result }, undefined, {}, () => {
        if (m.cmd === 'stop') process.exit(0);
      });
    } catch (e) {
      process.send?.({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  });
  process.send({ id: 0, ok: true, result: 'ready' });
}
