import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { NetworkError, NetworkErrorCode } from './errors.js';

/** The node's libp2p identity, in the home folder (mode 0600, like the API token). */
export const PEER_KEY_FILE = 'peer.key';

/**
 * The peer key of a home: read back when it exists, else a new Ed25519 key written atomically.
 * A key file that exists but does not parse is an error, never silently replaced: the peer id is
 * the node's identity on the network (its digests, its signed packs, its reputation).
 */
export async function loadOrCreatePeerKey(home: string, file = PEER_KEY_FILE): Promise<PrivateKey> {
  const path = join(home, file);
  const existing = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new NetworkError(
      { code: NetworkErrorCode.BAD_PEER_KEY, path },
      `cannot read the peer key ${path}: ${e.message}`,
    );
  });
  if (existing) return decodePeerKey(existing, path);
  const key = await generateKeyPair('Ed25519');
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return key;
}

export function decodePeerKey(bytes: Uint8Array, where = 'peer key'): PrivateKey {
  try {
    return privateKeyFromProtobuf(bytes);
  } catch (e) {
    throw new NetworkError(
      { code: NetworkErrorCode.BAD_PEER_KEY, path: where },
      `${where} is not a libp2p private key (${(e as Error).message}); move it away to create a new identity`,
    );
  }
}

export const peerIdOfKey = (key: PrivateKey) => peerIdFromPrivateKey(key).toString();

export const createPeerKey = () => generateKeyPair('Ed25519');
