import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import type { GenerationRecord } from '../../../node/jobs/index.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';

/**
 * Predictive pre-generation on a real node: a project generates from its registry, edits it, and
 * the node runs the next request ahead, so the request that follows is answered from the cache.
 */
const opened: { node: WeaverNode; dirs: string[] }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.node.stop();
    for (const d of o.dirs) await rm(d, { recursive: true, force: true });
  }
});

async function project(predict: boolean) {
  const home = await mkdtemp(join(tmpdir(), 'wg-predict-'));
  const registry = await mkdtemp(join(tmpdir(), 'wg-predict-reg-'));
  await cp(MINI_REGISTRY, registry, { recursive: true });
  const config = await loadConfig({
    home,
    network: { enabled: false },
    generation: { predict: { enabled: predict, debounceMs: 200 } },
  });
  const node = await createNode(config);
  opened.push({ node, dirs: [home, registry] });
  const generate = async (languages: ('typescript' | 'python')[]) =>
    (await node.generate({ registry, languages, validate: false })).done;
  // an edit a person makes: one brief changed
  const edit = async (n: number) => {
    const file = join(registry, 'shop', 'registry.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/brief: ([^\n]*)/, `brief: $1 (edit ${n})`));
  };
  return { node, registry, generate, edit };
}

const until = async <T>(f: () => Promise<T | undefined>, ms = 30_000): Promise<T | undefined> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
};

/** The first prediction run after `after` (ids sort by creation), once it succeeded. */
const firstPredicted = async (node: WeaverNode, after: number) => {
  const runs = (await node.generations(50))
    .filter((r: GenerationRecord) => r.origin === 'prediction' && r.createdAt > after)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return runs[0]?.status === 'succeeded' ? runs[0] : undefined;
};

const predicted = async (node: WeaverNode, after: number) =>
  (await node.generations(50)).find(
    (r: GenerationRecord) => r.origin === 'prediction' && r.createdAt > after && r.status === 'succeeded',
  );

describe('predictive pre-generation', () => {
  it('after an edit the node runs the usual request ahead, and the next request is a cache hit', async () => {
    const p = await project(true);
    for (let i = 0; i < 3; i++) expect((await p.generate(['typescript'])).status).toBe('succeeded');
    const before = Date.now();
    await p.edit(1);
    const ahead = await until(() => predicted(p.node, before));
    expect(ahead?.request).toMatchObject({
      registry: p.registry,
      languages: ['typescript'],
      validate: false,
    });
    const next = await p.generate(['typescript']);
    expect(next.cachedFrom).toBe(ahead?.id);
    expect(p.node.health().predictions).toMatchObject({
      enabled: true,
      predicted: 1,
      used: 1,
      wasted: 0,
      watched: 1,
    });
    // an edit followed by no request: the prediction is pending, and wasted once the registry changes again
    const second = Date.now();
    await p.edit(2);
    await until(() => predicted(p.node, second));
    expect(p.node.health().predictions).toMatchObject({ predicted: 2, used: 1, pending: 1 });
    const third = Date.now();
    await p.edit(3);
    await until(() => predicted(p.node, third));
    expect(p.node.health().predictions).toMatchObject({ predicted: 3, wasted: 1, pending: 1 });
  });

  it('learns what the project asks: the shapes it asked most lately, not a fixed default', async () => {
    const p = await project(true);
    expect((await p.generate(['python'])).status).toBe('succeeded');
    expect((await p.generate(['python', 'typescript'])).status).toBe('succeeded');
    expect((await p.generate(['python', 'typescript'])).status).toBe('succeeded');
    const before = Date.now();
    await p.edit(1);
    // a lighter shape may be run ahead too, and finish first: the first one run is the heaviest
    const ahead = await until(() => firstPredicted(p.node, before));
    expect(ahead?.request.languages).toEqual(['python', 'typescript']);
  });

  it('turned off, the node runs nothing ahead', async () => {
    const p = await project(false);
    expect((await p.generate(['typescript'])).status).toBe('succeeded');
    await p.edit(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await p.node.generations(50)).some((r) => r.origin === 'prediction')).toBe(false);
    expect(p.node.health().predictions).toMatchObject({ enabled: false, watched: 0, predicted: 0 });
    const next = await p.generate(['typescript']);
    expect(next.cachedFrom).toBeUndefined();
  });
});
