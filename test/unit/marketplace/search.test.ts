import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  createPackIndex,
  createRatings,
  type PackRating,
  packCid,
} from '../../../marketplace/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import { samplePack } from './helpers.js';

const rating = (packId: string, score: number): PackRating => ({
  packId,
  score,
  mean: score,
  n: 10,
  bestArm: `${packId}:x:builtin`,
  peers: 1,
});

describe('pack index and search', () => {
  it('finds packs by language, name substring and text in the description', async () => {
    const index = createPackIndex();
    for (const p of await builtinPacks()) index.addPack(p, 'builtin');
    index.addPack(
      samplePack({ name: 'ts-compact', description: 'Compact TypeScript constants, no docs' }),
      'installed',
    );
    const names = (q: Parameters<typeof index.search>[0]) => index.search(q).map((h) => h.entry.name);

    expect(names({ language: 'go' })).toEqual(['go-semconv']);
    expect(names({ language: 'typescript' }).sort()).toEqual(['ts-compact', 'typescript-semconv']);
    expect(names({ name: 'SEMCONV' }).length).toBeGreaterThanOrEqual(5);
    expect(names({ name: 'compact' })).toEqual(['ts-compact']);
    expect(names({ text: 'no DOCS compact' })).toEqual(['ts-compact']);
    expect(names({ text: 'npm @opentelemetry/semantic-conventions' })).toContain('typescript-semconv');
    expect(names({ text: 'compact', language: 'go' })).toEqual([]);
    expect(names({ source: 'installed' })).toEqual(['ts-compact']);
    expect(index.search({ limit: 2 })).toHaveLength(2);
    const ts = index.search({ name: 'typescript-semconv' })[0].entry;
    expect(ts).toMatchObject({ language: 'typescript', sources: ['builtin'], verified: true });
    expect(ts.params).toEqual(['doc_style', 'enum_style', 'layout']);
  });

  it('ranks by rating: well rated first, unrated (0.5) in the middle, badly rated last', () => {
    const index = createPackIndex();
    const packs = ['alpha', 'bravo', 'charlie', 'delta'].map((name) => samplePack({ name }));
    for (const p of packs) index.addPack(p, 'installed');
    const [alpha, bravo, charlie] = packs.map((p) => packCid(p));
    const rated = new Map([
      [alpha, rating(alpha, 0.3)],
      [bravo, rating(bravo, 0.9)],
      [charlie, rating(charlie, 0.7)],
    ]);
    const hits = index.search({}, (cid) => rated.get(cid));
    expect(hits.map((h) => h.entry.name)).toEqual(['bravo', 'charlie', 'delta', 'alpha']);
    expect(hits.map((h) => h.score)).toEqual([0.9, 0.7, 0.5, 0.3]);
    expect(hits[2].rating).toBeUndefined();
    // without ratings: by name
    expect(index.search({}).map((h) => h.entry.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
  });

  it('ranks with the ratings aggregated from digests (the marketplace path)', () => {
    const index = createPackIndex();
    const good = samplePack({ name: 'good-pack' });
    const poor = samplePack({ name: 'poor-pack' });
    index.addPack(good, 'installed');
    index.addPack(poor, 'installed');
    const ratings = createRatings();
    const ctx = 'typescript|builtin|s|e0t0d0m0';
    for (let i = 0; i < 3; i++)
      ratings.add({
        peer: `p${i}`,
        epoch: 1,
        entries: [
          { contextKey: ctx, armKey: `${packCid(good)}:h:builtin`, n: 20, sumQ: 19 },
          { contextKey: ctx, armKey: `${packCid(poor)}:h:builtin`, n: 20, sumQ: 8 },
        ],
      });
    const packRatings = ratings.packRatings(ctx);
    const hits = index.search({}, (cid) => packRatings.get(cid));
    expect(hits.map((h) => h.entry.name)).toEqual(['good-pack', 'poor-pack']);
    expect(hits[0].rating).toMatchObject({ peers: 3 });
  });

  it('indexes announcements as unverified claims, upgraded when the pack is fetched', () => {
    let t = 1000;
    const index = createPackIndex({ now: () => t, maxAnnounced: 2 });
    const p = samplePack({ name: 'shared-pack' });
    const cid = packCid(p);
    const a = {
      cid,
      name: 'shared-pack',
      version: '1.2.3',
      publisher: 'peerA',
      language: 'typescript',
      description: 'claimed',
    };
    expect(index.addAnnouncement(a)).toMatchObject({
      ok: true,
      entry: { verified: false, sources: ['announced'] },
    });
    t++;
    index.addAnnouncement({ ...a, publisher: 'peerB', description: 'another claim' });
    expect(index.get(cid)).toMatchObject({
      description: 'claimed',
      publishers: ['peerA', 'peerB'],
      lastSeen: 1001,
    });
    expect(index.search({ verified: true })).toEqual([]);
    index.addPack(p, 'announced', 'peerA');
    expect(index.get(cid)).toMatchObject({
      verified: true,
      description: p.manifest.description,
      firstSeen: 1000,
    });
    // installing it locally keeps both sources, local first
    index.addPack(p, 'installed');
    expect(index.get(cid)?.sources).toEqual(['installed', 'announced']);
    expect(index.remove(cid, 'announced')).toBe(true);
    expect(index.get(cid)?.sources).toEqual(['installed']);

    for (const bad of [
      { ...a, cid: 'x', name: 'Bad Name' },
      { ...a, cid: 'y', version: 'latest' },
      { ...a, cid: 'z', language: 'cobol' },
      { ...a, cid: 'w', description: 42 as unknown as string },
    ])
      expect(index.addAnnouncement(bad)).toMatchObject({ ok: false, reason: 'bad-announcement' });

    // announced-only entries are bounded: the least recently seen goes, verified ones stay
    for (const c of ['c1', 'c2', 'c3']) {
      t++;
      index.addAnnouncement({ ...a, cid: c });
    }
    expect(
      index
        .list()
        .map((e) => e.cid)
        .sort(),
    ).toEqual([cid, 'c2', 'c3'].sort());
  });

  it('orders versions as semver', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBeLessThan(0);
    expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
  });
});
