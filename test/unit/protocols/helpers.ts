import type { PrivateKey } from '@libp2p/interface';
import { createPeerKey, peerIdOfKey } from '../../../node/network/peer-key.js';
import {
  cidOfBytes,
  DIGEST_VERSION,
  type Digest,
  type PatternAnnouncement,
  sign,
  type UnsignedDigest,
  type UnsignedPatternAnnouncement,
} from '../../../protocols/index.js';

/** mulberry32: a small seeded PRNG, so property tests replay exactly. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const cidFor = (s: string) => cidOfBytes(new TextEncoder().encode(s));

export interface Signer {
  key: PrivateKey;
  id: string;
}

export async function signer(): Promise<Signer> {
  const key = await createPeerKey();
  return { key, id: peerIdOfKey(key) };
}

export function unsignedDigest(peer: string, over: Partial<UnsignedDigest> = {}): UnsignedDigest {
  return {
    v: DIGEST_VERSION,
    type: 'digest',
    peer,
    epoch: 7,
    at: 1_700_000_000_000,
    epsilon: 1,
    k: 5,
    entries: [
      {
        contextKey: 'go|builtin|m|e0t0d0m0',
        armKey: `${cidFor('b')}:0123456789ab:builtin`,
        n: 9,
        sumQ: 7.5,
        sumQ2: 6.4,
      },
      {
        contextKey: 'typescript|builtin|xl|e1t1d1m1',
        armKey: `${cidFor('a')}:abcdef012345:openai:gpt-4o`,
        n: 12,
        sumQ: 10.2,
        sumQ2: 8.9,
      },
    ],
    ...over,
  };
}

export const signDigest = (s: Signer, over: Partial<UnsignedDigest> = {}) =>
  sign('digest', unsignedDigest(s.id, over), s.key) as Promise<Digest>;

export function unsignedPattern(
  publisher: string,
  over: Partial<UnsignedPatternAnnouncement> = {},
): UnsignedPatternAnnouncement {
  return {
    v: 1,
    type: 'pattern',
    name: 'typescript-semconv',
    version: '1.2.0',
    language: 'typescript',
    cid: cidFor('pack'),
    size: 1234,
    publisher,
    timestamp: 1_700_000_000_000,
    ...over,
  };
}

export const signPattern = (s: Signer, over: Partial<UnsignedPatternAnnouncement> = {}) =>
  sign('pattern', unsignedPattern(s.id, over), s.key) as Promise<PatternAnnouncement>;
