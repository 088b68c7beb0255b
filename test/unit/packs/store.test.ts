import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { afterEach, describe, expect, it } from 'vitest';
import { createMarketplace, signPack } from '../../../marketplace/index.js';
import { createPackStore } from '../../../node/packs/store.js';
import { createStore, type Store } from '../../../node/storage/index.js';
import { samplePack } from '../marketplace/helpers.js';

let dir: string;
let store: Store;
afterEach(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const open = async () => {
  dir ??= await mkdtemp(join(tmpdir(), 'weavergen-pack-store-'));
  store = await createStore({ path: join(dir, 'db') });
  return store;
};

describe('the pack store (received announcements, installed packs, ratings)', () => {
  it('keeps received announcements bounded in count, the oldest received dropped first, across a reopen', async () => {
    dir = await mkdtemp(join(tmpdir(), 'weavergen-pack-store-'));
    const kept = createPackStore(await open(), { announcements: 3 });
    const key = await generateKeyPair('Ed25519');
    const signed = [];
    for (let i = 0; i < 5; i++)
      signed.push((await signPack(samplePack({ name: `pack-${i}` }), key, 3_600_000 * (i + 1))).announcement);
    for (const [i, a] of signed.entries())
      await kept.announce({ announcement: a, at: 1000 + i, via: 'peer' });
    // the same pack announced again is one entry, refreshed
    await kept.announce({ announcement: signed[4], at: 2000 });
    expect((await kept.announced()).map((r) => r.announcement.name).sort()).toEqual([
      'pack-2',
      'pack-3',
      'pack-4',
    ]);
    await store.close();
    const again = createPackStore(await open(), { announcements: 3 });
    await again.announce({ announcement: signed[0], at: 3000 });
    const names = (await again.announced()).map((r) => r.announcement.name).sort();
    expect(names).toEqual(['pack-0', 'pack-3', 'pack-4']);
    // read back into a marketplace, each checked again: searchable, unverified
    const m = createMarketplace();
    for (const r of await again.announced())
      expect((await m.receiveAnnouncement(r.announcement)).ok).toBe(true);
    expect(m.search({ text: 'pack' }).map((h) => [h.entry.name, h.entry.verified])).toEqual([
      ['pack-0', false],
      ['pack-3', false],
      ['pack-4', false],
    ]);
  });

  it('a stored value that is not what it should be is left out, not trusted', async () => {
    const s = await open();
    await s.put('config', 'pack!ann!x', { announcement: { forged: true }, at: 'yesterday' });
    await s.put('config', 'pack!inst!y', { cid: 'y', text: 42 });
    await s.put('config', 'pack!rate!z', { v: 1, type: 'rating', cid: 'z', stars: 9 });
    const kept = createPackStore(s);
    expect(await kept.announced()).toEqual([]);
    expect(await kept.installed()).toEqual([]);
    expect(await kept.ratings()).toEqual([]);
    // an announcement of the right shape but a forged signature is refused by the marketplace on the way in
    await s.put('config', 'pack!ann!w', { announcement: { forged: true }, at: 1 });
    const m = createMarketplace();
    for (const r of await kept.announced())
      expect((await m.receiveAnnouncement(r.announcement)).ok).toBe(false);
  });
});
