import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { init } from '../../cli/commands/init.js';
import { BIN, cli } from '../helpers/cli.js';

/**
 * The team's choice of what its node shares: `weavergen init` writes it, `node start --share` and
 * WEAVERGEN_SHARE override it, and the running node says what it is (`weavergen peers`, /v1/peers).
 */
const home = () => mkdtemp(join(tmpdir(), 'wg-share-'));
const configOf = async (h: string) => JSON.parse(await readFile(join(h, 'weavergen.config.json'), 'utf8'));

describe('weavergen init', () => {
  it('without a terminal and without --share: receive-only, and says so', async () => {
    const h = await home();
    const r = await cli(['init', '--home', h]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no --share given and no terminal to ask: sharing receive-only/);
    expect(await configOf(h)).toEqual({ network: { share: 'receive-only' } });
  });

  it('writes --share into the config, keeping the other settings; replaces a chosen one only with --force', async () => {
    const h = await home();
    await writeFile(
      join(h, 'weavergen.config.json'),
      JSON.stringify({ api: { port: 5000 }, network: { k: 7 } }),
    );
    const first = await cli(['init', '--home', h, '--share', 'contexts:typescript, go']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/network\.share = contexts:typescript,go/);
    expect(await configOf(h)).toEqual({
      api: { port: 5000 },
      network: { k: 7, share: 'contexts:typescript,go' },
    });
    const refused = await cli(['init', '--home', h, '--share', 'all']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already sets network\.share to "contexts:typescript,go".*--force/);
    expect((await configOf(h)).network.share).toBe('contexts:typescript,go');
    // the same choice again is no change
    expect((await cli(['init', '--home', h, '--share', 'contexts:typescript,go'])).code).toBe(0);
    const forced = await cli(['init', '--home', h, '--share', 'all', '--force']);
    expect(forced.code).toBe(0);
    expect((await configOf(h)).network).toEqual({ k: 7, share: 'all' });
  });

  it('a bad mode or a broken config is exit 2 with one line', async () => {
    const h = await home();
    const bad = await cli(['init', '--home', h, '--share', 'everything']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--share: "everything" is not a share mode/);
    await writeFile(join(h, 'weavergen.config.json'), '{nope');
    const broken = await cli(['init', '--home', h, '--share', 'all']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/not valid JSON/);
  });

  it('at a terminal it asks, one line per mode, and asks again after a typo', async () => {
    const h = await home();
    const lines: string[] = [];
    const answers = ['everything', 'contexts', 'go, rust'];
    const asked: string[] = [];
    const code = await init(
      { home: h },
      {
        interactive: true,
        ask: async (q) => {
          asked.push(q);
          return answers.shift() ?? '';
        },
        out: (l) => lines.push(l),
      },
    );
    expect(code).toBe(0);
    const menu = lines.join('\n');
    for (const mode of ['off', 'receive-only', 'contexts:<list>', 'all']) expect(menu).toContain(`  ${mode}`);
    expect(menu).toMatch(/"everything" is not a share mode/);
    expect(asked).toEqual([
      'share mode [receive-only]: ',
      'share mode [receive-only]: ',
      'contexts (e.g. typescript,go): ',
    ]);
    expect((await configOf(h)).network.share).toBe('contexts:go,rust');
    // an empty answer is the default
    const h2 = await home();
    await init({ home: h2 }, { interactive: true, ask: async () => '', out: () => undefined });
    expect((await configOf(h2)).network.share).toBe('receive-only');
  });
});

describe('the running node says what it shares', () => {
  it('node start --share overrides the config; peers and /v1/peers show it', async () => {
    const h = await home();
    await cli(['init', '--home', h, '--share', 'all']);
    const child = spawn(
      process.execPath,
      [BIN, 'node', 'start', '--home', h, '--api-port', '0', '--no-example', '--share', 'contexts:go'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WEAVERGEN_SHARE: 'off' } },
    );
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    try {
      const deadline = Date.now() + 60_000;
      while (!/sharing: /.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`node did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toMatch(/sharing: contexts go: this node publishes digests of those contexts only/);
      const url = /API and dashboard: (http\S+)/.exec(out)![1];
      const peers = await (await fetch(`${url}/v1/peers`)).json();
      expect(peers.share).toMatchObject({ mode: 'contexts:go', publishes: true, receives: true });
      const shown = await cli(['peers', '--home', h]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/sharing: contexts go:/);
      expect(shown.stdout).toMatch(/one digest per 24 h at a random moment/);
    } finally {
      await new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      });
    }
  });
});
