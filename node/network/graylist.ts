import type { GossipSub } from '@libp2p/gossipsub';
import { DIGEST_TOPIC, PATTERN_TOPIC } from '../../protocols/index.js';
import type { Channel, Counters } from './counters.js';

/** What of gossipsub's internals this reads: the RPC handler and its graylist check (not public API). */
interface Internals {
  handleReceivedRpc(from: { toString(): string }, rpc: { messages?: { topic?: string }[] }): Promise<void>;
  acceptFrom(id: string): boolean;
}

const CHANNELS: Record<string, Channel> = { [DIGEST_TOPIC]: 'digests', [PATTERN_TOPIC]: 'patterns' };

/**
 * Counts the messages gossipsub drops from a graylisted peer (its score below graylistThreshold):
 * the whole RPC is dropped before any topic validator runs, so without this they reached no
 * counter (in the fuzz, 202 of 459 garbage messages). Each message of ours in such an RPC is
 * counted `<channel>:ignore:graylisted` against the peer. Returns the uninstaller.
 */
export function countGraylisted(pubsub: GossipSub, counters: Counters): () => void {
  const gossip = pubsub as unknown as Internals;
  const proto = Object.getPrototypeOf(gossip) as Internals;
  if (typeof proto.handleReceivedRpc !== 'function' || typeof proto.acceptFrom !== 'function')
    return () => {};
  // the RPC being handled: gossipsub asks acceptFrom at the start of handleReceivedRpc, before it awaits
  let handling: Parameters<Internals['handleReceivedRpc']>[1] | undefined;
  gossip.handleReceivedRpc = function (from, rpc) {
    handling = rpc;
    try {
      return proto.handleReceivedRpc.call(this, from, rpc);
    } finally {
      handling = undefined;
    }
  };
  gossip.acceptFrom = function (id) {
    const accepted = proto.acceptFrom.call(this, id);
    if (!accepted && handling)
      for (const m of handling.messages ?? []) {
        const channel = m.topic === undefined ? undefined : CHANNELS[m.topic];
        if (channel) counters.count(channel, 'ignore:graylisted', id);
      }
    return accepted;
  };
  return () => {
    delete (gossip as Partial<Internals>).handleReceivedRpc;
    delete (gossip as Partial<Internals>).acceptFrom;
  };
}
