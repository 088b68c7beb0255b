import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import type { GenerationRecord, GenerationRequest } from '../../../node/jobs/index.js';
import { createPrefetcher, type Prefetcher, type PrefetchInit } from '../../../node/prediction/index.js';
import { createFolderWatch } from '../../../node/prediction/watch.js';

/**
 * The prefetcher with fake components: predictions run only while no user work does, a user
 * request arriving between predictions drops the rest, the folder watch is bounded, and the node's
 * setting turns it off. The watched registries are real folders (fs.watch), edited by the test.
 */

const DEBOUNCE = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
const stops: Prefetcher[] = [];
afterEach(async () => {
  for (const p of stops.splice(0)) p.stop();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const folder = async () => {
  const d = await mkdtemp(join(tmpdir(), 'wg-prefetch-'));
  dirs.push(d);
  await writeFile(join(d, 'registry.yaml'), 'groups: []\n');
  return d;
};
const edit = (dir: string) => writeFile(join(dir, 'registry.yaml'), `groups: [] # ${Math.random()}\n`);

let ids = 0;
const record = (request: GenerationRequest, more: Partial<GenerationRecord> = {}): GenerationRecord => ({
  id: `g${++ids}`,
  status: 'succeeded',
  request,
  createdAt: Date.now(),
  languages: [],
  ...more,
});

/**
 * A prefetcher over fakes: the registry's history alternates typescript and python (two
 * predictions), the first time it is read; after that it is empty, so a change event the file
 * system repeats late (a loaded machine) predicts nothing more and the counts are the first change's.
 */
function fake(init: PrefetchInit = {}) {
  const state = { busy: false, runs: [] as GenerationRequest[], onRun: (_r: GenerationRequest) => {} };
  let read = 0;
  const p = createPrefetcher(
    {
      history: async (registry) =>
        read++ > 0
          ? []
          : [['typescript'], ['python'], ['typescript'], ['python']].map((languages, i) => ({
              request: { registry, languages } as GenerationRequest,
              at: 1000 + i,
            })),
      busy: () => state.busy,
      run: async (request) => {
        state.runs.push(request);
        state.onRun(request);
        await sleep(5);
        return record(request, { origin: 'prediction' });
      },
    },
    { debounceMs: DEBOUNCE, ...init },
  );
  stops.push(p);
  return { p, state };
}

describe('prefetcher', () => {
  it('runs nothing while user work runs, and predicts once it is done', async () => {
    const { p, state } = fake();
    const dir = await folder();
    p.noted(record({ registry: dir, languages: ['typescript'] }));
    expect(p.stats().watched).toBe(1);
    state.busy = true;
    await edit(dir);
    await sleep(DEBOUNCE + 600);
    expect(state.runs).toEqual([]);
    state.busy = false;
    // retried after a second while busy
    await expect.poll(() => p.stats().predicted, { timeout: 3000 }).toBe(2);
    expect(state.runs.map((r) => r.languages[0]).sort()).toEqual(['python', 'typescript']);
  });

  it('drops the remaining predictions when a user request arrives between two of them', async () => {
    const { p, state } = fake();
    const dir = await folder();
    p.noted(record({ registry: dir, languages: ['typescript'] }));
    // a user's request comes in while the first prediction runs
    state.onRun = () => {
      state.busy = true;
    };
    await edit(dir);
    await expect.poll(() => p.stats().predicted, { timeout: 3000 }).toBe(1);
    state.busy = false;
    // not picked up again later: that change's other prediction is gone
    await sleep(1500);
    expect(state.runs).toHaveLength(1);
    expect(p.stats().predicted).toBe(1);
  });

  it('is off when the node says so: nothing watched, nothing run', async () => {
    const { p, state } = fake({ enabled: false });
    const dir = await folder();
    p.noted(record({ registry: dir, languages: ['typescript'] }));
    await edit(dir);
    await sleep(DEBOUNCE + 300);
    expect(p.stats()).toMatchObject({ enabled: false, watched: 0, predicted: 0 });
    expect(state.runs).toEqual([]);
  });
});

describe('prefetcher switched at run time', () => {
  it('off: the queue is cleared and the watches closed; on: a registry is watched again from its next generation', async () => {
    const { p, state } = fake();
    const dir = await folder();
    p.noted(record({ registry: dir, languages: ['typescript'] }));
    expect(p.stats()).toMatchObject({ enabled: true, watched: 1 });
    // a change waits in the queue behind user work; turned off, it never runs
    state.busy = true;
    await edit(dir);
    await sleep(DEBOUNCE + 300);
    p.setEnabled(false);
    expect(p.stats()).toMatchObject({ enabled: false, watched: 0 });
    state.busy = false;
    await sleep(1500);
    expect(state.runs).toEqual([]);
    // off, a generation does not watch its registry, and an edit runs nothing
    p.noted(record({ registry: dir, languages: ['typescript'] }));
    expect(p.stats().watched).toBe(0);
    p.setEnabled(true);
    expect(p.stats()).toMatchObject({ enabled: true, watched: 0 });
    await edit(dir);
    await sleep(DEBOUNCE + 300);
    expect(state.runs).toEqual([]);
    // the next generation watches it again, and an edit predicts
    p.noted(record({ registry: dir, languages: ['typescript'] }));
    expect(p.stats().watched).toBe(1);
    await edit(dir);
    await expect.poll(() => p.stats().predicted, { timeout: 3000 }).toBe(2);
  });
});

describe('folder watch', () => {
  it('holds at most max folders, dropping the least recently used first', async () => {
    const changed: string[] = [];
    const watch = createFolderWatch((d) => changed.push(d), DEBOUNCE, 2);
    try {
      const [a, b, c] = [await folder(), await folder(), await folder()];
      watch.add(a);
      watch.add(b);
      watch.add(a); // a used again: b is now the least recently used
      watch.add(c);
      expect(watch.size()).toBe(2);
      for (const d of [a, b, c]) await edit(d);
      await sleep(DEBOUNCE + 400);
      expect([...new Set(changed)].sort()).toEqual([a, c].sort());
    } finally {
      watch.closeAll();
    }
  });
});

describe('WEAVERGEN_PREDICT', () => {
  it('turns predictive pre-generation off (and on), and a wrong value is an error naming it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-cfg-'));
    dirs.push(home);
    expect((await loadConfig({ home }, {})).generation.predict.enabled).toBe(true);
    expect((await loadConfig({ home }, { WEAVERGEN_PREDICT: 'off' })).generation.predict.enabled).toBe(false);
    expect((await loadConfig({ home }, { WEAVERGEN_PREDICT: 'on' })).generation.predict.enabled).toBe(true);
    await expect(loadConfig({ home }, { WEAVERGEN_PREDICT: 'maybe' })).rejects.toThrow(/WEAVERGEN_PREDICT/);
  });
});
