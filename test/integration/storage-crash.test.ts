import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../node/storage/index.js';

describe('LevelDB store', () => {
  it('keeps every acknowledged write when the writer is killed with SIGKILL', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'wg-crash-')), 'db');
    const child = spawn(
      process.execPath,
      [join(process.cwd(), 'test', 'fixtures', 'crash-writer.mjs'), path],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const acked: string[] = [];
    let buffer = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        acked.push(...lines);
        if (acked.length >= 2000 && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    expect(child.signalCode).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(2000);

    const store = await createStore({ path });
    try {
      const stored = new Set((await store.scan('generations')).map(([k]) => k));
      const lost = acked.filter((k) => !stored.has(k));
      expect(lost).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('scans by prefix and range, in key order, and reverses', async () => {
    const store = await createStore({ path: join(await mkdtemp(join(tmpdir(), 'wg-store-')), 'db') });
    try {
      await store.batch([
        { type: 'put', sublevel: 'spans', key: 'a!1', value: 1 },
        { type: 'put', sublevel: 'spans', key: 'a!2', value: 2 },
        { type: 'put', sublevel: 'spans', key: 'b!1', value: 3 },
        { type: 'put', sublevel: 'cache', key: 'a!1', value: 'other sublevel' },
      ]);
      expect(await store.scan('spans', { prefix: 'a!' })).toEqual([
        ['a!1', 1],
        ['a!2', 2],
      ]);
      expect((await store.scan('spans', { reverse: true, limit: 1 }))[0]).toEqual(['b!1', 3]);
      expect(await store.get('cache', 'a!1')).toBe('other sublevel');
      expect(await store.get('spans', 'zzz')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
