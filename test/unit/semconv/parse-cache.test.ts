import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  closeRegistryLoader,
  type LoadResult,
  loadRegistry,
  loadRegistryOffThread,
  parseCache,
} from '../../../node/semconv/index.js';
import { createParseCache } from '../../../node/semconv/parse-cache.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';
import { skipNote } from '../../helpers/tools.js';

const SHOP = join(process.cwd(), 'examples', 'shop');
const REAL = semconvRegistry();
const BROKEN = join(process.cwd(), 'examples', 'broken');
// what a load gives, without the source maps the reader hangs on values under symbols (closures, new
// per parse) and without the counts of files parsed and reused
const plain = (v: LoadResult) => JSON.parse(JSON.stringify({ ...v, parsedFiles: undefined }));
const cold = async (dir: string) => {
  parseCache.clear();
  return loadRegistry(dir);
};

describe('parsed files kept between loads', () => {
  it.each([
    ['shop (v1 and v2, dependencies)', SHOP],
    ['broken (diagnostics)', BROKEN],
  ])('a load from the cache equals a load that parses everything: %s', async (_, dir) => {
    const first = await cold(dir);
    const before = parseCache.stats();
    const again = await loadRegistry(dir);
    const after = parseCache.stats();
    expect(after.hits - before.hits).toBeGreaterThan(0);
    expect(after.misses).toBe(before.misses);
    // resolution and checks left the shared raw files as they were: the same registry, the same diagnostics
    expect(plain(again)).toEqual(plain(first));
  });

  it.skipIf(!REAL)(
    `semantic-conventions release from the cache equals the uncached load${skipNote(!REAL && SEMCONV_MISSING)}`,
    async () => {
      const dir = REAL as string;
      const first = await cold(dir);
      expect(plain(await loadRegistry(dir))).toEqual(plain(first));
    },
  );

  it('an edited file is parsed again, the others are not; the result equals a cold load of the edited folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wg-parse-cache-'));
    const dir = join(root, 'shop');
    // the example's dependency is a sibling folder
    await cp(SHOP, dir, { recursive: true });
    await cp(`${SHOP}-base`, join(root, 'shop-base'), { recursive: true });
    await cold(dir);
    const file = join(dir, 'payments.yaml');
    const text = await readFile(file, 'utf8');
    const edited = text.replace(/brief: [^\n]*/, 'brief: "Edited between two loads."');
    expect(edited).not.toBe(text);
    await writeFile(file, edited);
    const before = parseCache.stats();
    const warm = await loadRegistry(dir);
    const after = parseCache.stats();
    expect(after.misses - before.misses).toBe(1);
    expect(warm.parsedFiles).toEqual({ parsed: 1, reused: 10 });
    expect(JSON.stringify(warm.registry)).toContain('Edited between two loads.');
    expect(plain(warm)).toEqual(plain(await cold(dir)));
  });

  it('the same file read under another folder name keeps its own locations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wg-parse-cache-'));
    await cp(MINI_REGISTRY, join(dir, 'inner'), { recursive: true });
    await cold(join(dir, 'inner'));
    const outer = await loadRegistry(dir);
    expect(plain(outer)).toEqual(plain(await cold(dir)));
  });

  it('holds at most its budget of text, least recently used out', () => {
    const cache = createParseCache(10);
    cache.set('a', '12345', { diagnostics: [] });
    cache.set('b', '12345', { diagnostics: [] });
    expect(cache.get('a', '12345')).toBeDefined();
    cache.set('c', '123', { diagnostics: [] });
    expect(cache.get('b', '12345')).toBeUndefined();
    expect(cache.get('a', '12345')).toBeDefined();
    expect(cache.get('a', '12346')).toBeUndefined();
    cache.set('big', 'x'.repeat(11), { diagnostics: [] });
    expect(cache.get('big', 'x'.repeat(11))).toBeUndefined();
    expect(cache.stats().chars).toBeLessThanOrEqual(10);
  });

  it("the node's load worker keeps what it parsed: a second load of a folder parses only the edited file", async () => {
    const root = await mkdtemp(join(tmpdir(), 'wg-parse-cache-'));
    const dir = join(root, 'shop');
    await cp(SHOP, dir, { recursive: true });
    await cp(`${SHOP}-base`, join(root, 'shop-base'), { recursive: true });
    try {
      // two workers, the first holding another folder: the one that parsed this folder takes it again
      const [, first] = await Promise.all([loadRegistryOffThread(MINI_REGISTRY), loadRegistryOffThread(dir)]);
      expect(first.parsedFiles).toEqual({ parsed: 11, reused: 0 });
      expect((await loadRegistryOffThread(dir)).parsedFiles).toEqual({ parsed: 0, reused: 11 });
      const file = join(dir, 'shipping.yaml');
      await writeFile(file, `${await readFile(file, 'utf8')}\n# edited\n`);
      const edited = await loadRegistryOffThread(dir);
      expect(edited.parsedFiles).toEqual({ parsed: 1, reused: 10 });
      expect(plain(edited)).toEqual(plain(await cold(dir)));
    } finally {
      closeRegistryLoader();
    }
  });
});
