import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadOrCreatePeerKey,
  NetworkError,
  PEER_KEY_FILE,
  peerIdOfKey,
} from '../../../node/network/index.js';

const homes: string[] = [];
afterEach(async () => {
  for (const h of homes.splice(0)) await rm(h, { recursive: true, force: true });
});
const home = async () => {
  const h = await mkdtemp(join(tmpdir(), 'weavergen-key-'));
  homes.push(h);
  return h;
};

describe('peer key in the home', () => {
  it('is created once (mode 0600) and read back: the same peer id across restarts', async () => {
    const h = await home();
    const first = await loadOrCreatePeerKey(h);
    expect((await stat(join(h, PEER_KEY_FILE))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreatePeerKey(h);
    expect(peerIdOfKey(again)).toBe(peerIdOfKey(first));
    expect(first.type).toBe('Ed25519');
    expect(peerIdOfKey(await loadOrCreatePeerKey(await home()))).not.toBe(peerIdOfKey(first));
  });

  it('a damaged key file is an error, never silently replaced', async () => {
    const h = await home();
    await writeFile(join(h, PEER_KEY_FILE), 'garbage');
    const err = await loadOrCreatePeerKey(h).catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).code).toBe('NETWORK_BAD_PEER_KEY');
    expect(await readFile(join(h, PEER_KEY_FILE), 'utf8')).toBe('garbage');
  });
});
