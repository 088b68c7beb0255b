import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCollaboration, type Delivery } from '../../../node/collab/index.js';
import { createJobs, type GenerationRecord } from '../../../node/jobs/index.js';
import { createStore, type Store } from '../../../node/storage/index.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weavergen-collab-wiring-'));
  store = await createStore({ path: join(dir, 'db') });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("jobs' events on the collaboration stream", () => {
  it('subscribeAll hears every generation from queued to its result; the hub says them as generation, progress, result', async () => {
    const jobs = createJobs({
      store,
      async execute(record, _signal, emit) {
        emit({ type: 'progress', id: record.id, language: 'python', phase: 'render' });
        record.status = 'succeeded';
        record.languages = [];
        return record;
      },
    });
    const collab = createCollaboration({ store });
    const off = jobs.subscribeAll(collab.onGenerationEvent);
    // a listener that throws does not stop a generation
    const offBad = jobs.subscribeAll(() => {
      throw new Error('not my problem');
    });
    const heard: Delivery[] = [];
    collab.subscribe((d) => void heard.push(d));
    const request = { registry: '/r', languages: ['python' as const] };
    const a = await jobs.submit(request);
    const b = await jobs.submit(request);
    const done: GenerationRecord[] = await Promise.all([a.done, b.done]);
    expect(done.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    await new Promise((r) => setTimeout(r, 10));
    for (const { id } of [a, b]) {
      const mine = heard.filter((d) => 'id' in d && d.id === id);
      expect(mine.map((d) => `${d.type}${'status' in d ? `:${d.status}` : ''}`)).toEqual([
        'generation:queued',
        'generation:running',
        'progress',
        'generation:succeeded',
        'result:succeeded',
      ]);
    }
    const seqs = heard.map((d) => (d.type === 'lagged' ? -1 : d.seq));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    off();
    offBad();
    await (await jobs.submit(request)).done;
    await new Promise((r) => setTimeout(r, 10));
    expect(heard).toHaveLength(10);
  });
});
