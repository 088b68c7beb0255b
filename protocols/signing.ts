import type { PrivateKey, PublicKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { fromString, toString as uint8ToString } from 'uint8arrays';
import { canonicalJson, utf8 } from './encoding.js';
import { SIGNATURE_DOMAIN } from './ids.js';

/**
 * Message signatures: the publisher's peer key signs `<domain>\n<canonical JSON without sig>`.
 * The public key comes from the peer id itself (Ed25519 and secp256k1 ids inline it), so a
 * message verifies on its own, wherever it was relayed from.
 */

/**
 * The wire's domains (ids.ts) and those of signed records that do not travel on a topic (yet): a
 * user's rating of a pack, signed by the node's peer key and kept in its home.
 */
const DOMAINS = { ...SIGNATURE_DOMAIN, rating: 'weavergen:rating:1' } as const;

export type SignatureDomain = keyof typeof DOMAINS;

export function signingBytes(domain: SignatureDomain, unsigned: object): Uint8Array {
  const { sig: _ignored, ...rest } = unsigned as Record<string, unknown>;
  return utf8(`${DOMAINS[domain]}\n${canonicalJson(rest)}`);
}

export async function sign<T extends object>(
  domain: SignatureDomain,
  unsigned: T,
  key: PrivateKey,
): Promise<T & { sig: string }> {
  const sig = await key.sign(signingBytes(domain, unsigned));
  return { ...unsigned, sig: uint8ToString(sig, 'base64url') };
}

/** The public key inline in a peer id, or undefined (RSA ids, malformed strings). */
export function publicKeyOf(peer: string): PublicKey | undefined {
  try {
    const id = peerIdFromString(peer);
    return id.type === 'Ed25519' || id.type === 'secp256k1' ? id.publicKey : undefined;
  } catch {
    return undefined;
  }
}

/** true when `signed.sig` is `signer`'s signature over the rest of the message in `domain`. */
export async function verify(
  domain: SignatureDomain,
  signed: { sig: string },
  signer: string,
): Promise<boolean> {
  const key = publicKeyOf(signer);
  if (!key) return false;
  try {
    return await key.verify(signingBytes(domain, signed), fromString(signed.sig, 'base64url'));
  } catch {
    return false;
  }
}
