import { describe, expect, it } from 'vitest';
import { fastMessageId } from '../../../node/network/libp2p.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('the fast message id gossipsub drops duplicates on', () => {
  it('is the same for the same signed message, whatever copy of it arrives', () => {
    const m = { from: bytes(1, 2), seqno: bytes(0, 7), data: bytes(9, 9, 9), signature: bytes(5) };
    expect(fastMessageId({ ...m, signature: bytes(6) })).toBe(fastMessageId(m));
  });

  it('tells apart equal data from two authors, or from one author twice', () => {
    const data = bytes(9, 9, 9);
    const a = fastMessageId({ from: bytes(1), seqno: bytes(1), data });
    expect(fastMessageId({ from: bytes(2), seqno: bytes(1), data })).not.toBe(a);
    expect(fastMessageId({ from: bytes(1), seqno: bytes(2), data })).not.toBe(a);
  });
});
