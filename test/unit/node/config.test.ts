import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import { NodeError } from '../../../node/node-errors.js';

describe('node configuration', () => {
  it('layers defaults < config file < env < flags', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-cfg-'));
    expect((await loadConfig({ home }, {})).api).toMatchObject({ host: '127.0.0.1', port: 4590 });
    await writeFile(
      join(home, 'weavergen.config.json'),
      JSON.stringify({ api: { port: 5000 }, generation: { candidates: 3, concurrency: 4 } }),
    );
    const file = await loadConfig({ home }, {});
    expect(file.api.port).toBe(5000);
    expect(file.generation).toMatchObject({ candidates: 3, concurrency: 4, maxRounds: 3 });
    const env = await loadConfig({ home }, { WEAVERGEN_API_PORT: '6000', WEAVERGEN_CANDIDATES: '1' });
    expect(env.api.port).toBe(6000);
    expect(env.generation).toMatchObject({ candidates: 1, concurrency: 4 });
    const flags = await loadConfig({ home, api: { port: 0 } }, { WEAVERGEN_API_PORT: '6000' });
    expect(flags.api.port).toBe(0);
    expect(flags.home).toBe(home);
  });

  it('reads the home from WEAVERGEN_HOME and rejects bad values with the field named', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-cfg-'));
    expect((await loadConfig({}, { WEAVERGEN_HOME: home })).home).toBe(home);
    await expect(loadConfig({ home }, { WEAVERGEN_API_PORT: '70000' })).rejects.toThrow(/api\.port/);
    await writeFile(join(home, 'weavergen.config.json'), '{not json');
    await expect(loadConfig({ home }, {})).rejects.toBeInstanceOf(NodeError);
    await writeFile(join(home, 'weavergen.config.json'), JSON.stringify({ api: { prot: 1 } }));
    await expect(loadConfig({ home }, {})).rejects.toThrow(/prot/);
  });
});
