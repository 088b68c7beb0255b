import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPublicPacks } from '../../../node/public-packs.js';
import { createStore, type Store } from '../../../node/storage/index.js';

/** Which packs' arms a node may publish (node/public-packs.ts), across restarts on one store. */
const opened: { store: Store; dir: string }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.store.close();
    await rm(o.dir, { recursive: true, force: true });
  }
});

async function home() {
  const dir = await mkdtemp(join(tmpdir(), 'wg-public-packs-'));
  let store = await createStore({ path: join(dir, 'db') });
  const entry = { store, dir };
  opened.push(entry);
  return {
    store: () => store,
    /** the store closed and opened again: a process restart */
    async restart() {
      await store.close();
      store = await createStore({ path: join(dir, 'db') });
      entry.store = store;
      return store;
    },
  };
}

describe('public packs', () => {
  it('built-in, published here, and announced packs are public; a pack used here from a folder is not, whoever announces it', async () => {
    const h = await home();
    const packs = await openPublicPacks(h.store(), ['builtin-a']);
    expect(packs.has('builtin-a')).toBe(true);
    expect(packs.has('x')).toBe(false);
    await packs.announced('announced');
    await packs.local('ours');
    await packs.announced('ours');
    await packs.published('published');
    expect(packs.has('announced')).toBe(true);
    expect(packs.has('ours')).toBe(false);
    expect(packs.has('published')).toBe(true);
    // announced first, used from a folder later: private from then on too
    await packs.announced('later');
    await packs.local('later');
    expect(packs.has('later')).toBe(false);
    // the team publishing its own pack is its choice: public
    await packs.local('mine');
    await packs.published('mine');
    expect(packs.has('mine')).toBe(true);
    expect(packs.size).toBe(4);
  });

  it('the same after a restart: every kind is kept in the store', async () => {
    const h = await home();
    const packs = await openPublicPacks(h.store(), ['builtin-a']);
    await packs.announced('announced');
    await packs.local('ours');
    await packs.announced('ours');
    await packs.published('published');
    const again = await openPublicPacks(await h.restart(), ['builtin-a']);
    expect(['builtin-a', 'announced', 'ours', 'published'].map((c) => again.has(c))).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect(again.size).toBe(3);
  });

  it('a flood of announcements forgets old announced packs, never the ones published here or used from a folder', async () => {
    const h = await home();
    const packs = await openPublicPacks(h.store(), []);
    await packs.published('published');
    await packs.local('ours');
    await packs.announced('ours');
    for (let i = 0; i < 10_010; i++) await packs.announced(`flood-${i}`);
    expect(packs.has('flood-0')).toBe(false);
    expect(packs.has('flood-10009')).toBe(true);
    expect(packs.has('published')).toBe(true);
    // 'ours' was announced first, so forgotten, and is still private if announced again
    await packs.announced('ours');
    expect(packs.has('ours')).toBe(false);
  });
});
