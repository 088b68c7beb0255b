import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { init } from '../../cli/commands/init.js';
import { parseConfigText } from '../../node/config-file.js';
import { BIN, cli } from '../helpers/cli.js';
import { MINI_REGISTRY } from '../helpers/registry.js';

/**
 * The team's choice of what its node shares: `weavergen init` writes it, `node start --share` and
 * WEAVERGEN_SHARE override it, and the running node says what it is (`weavergen peers`, /v1/peers).
 */
const home = () => mkdtemp(join(tmpdir(), 'wg-share-'));
const configOf = async (h: string) => {
  const parsed = parseConfigText(await readFile(join(h, 'weavergen.config.json'), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value as Record<string, Record<string, unknown>>;
};

describe('weavergen init', () => {
  it('without a terminal and without --share: receive-only, and says so', async () => {
    const h = await home();
    const r = await cli(['init', '--home', h]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no --share given and no terminal to ask: sharing receive-only/);
    expect(await configOf(h)).toEqual({
      network: { share: 'receive-only' },
      generation: { candidates: 2, outputRoots: [] },
    });
  });

  it('in a repository: creates the home, the token and a commented config the node reads, finds the registry, prints the next three commands', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'wg-init-repo-'));
    // a release's layout: model/<area>/*.yaml, and a copy under node_modules that is not the project's
    await mkdir(join(repo, 'model', 'db'), { recursive: true });
    await cp(join(MINI_REGISTRY, 'shop'), join(repo, 'model', 'http'), { recursive: true });
    await writeFile(
      join(repo, 'model', 'db', 'db.yaml'),
      'groups:\n  - id: registry.dbx\n    type: attribute_group\n    brief: Database attributes.\n    attributes:\n' +
        '      - id: dbx.system.name\n        type: string\n        brief: The database system.\n        stability: development\n        examples: ["postgresql"]\n',
    );
    await mkdir(join(repo, 'node_modules', 'dep'), { recursive: true });
    await cp(
      join(process.cwd(), 'examples', 'shop', 'payments.yaml'),
      join(repo, 'node_modules', 'dep', 'x.yaml'),
    );
    await writeFile(join(repo, 'README.yaml'), 'title: not a registry\n');
    // the home in the repository, as without WEAVERGEN_HOME (the helper sets one per test file)
    const h = join(repo, '.weavergen');
    const here = { WEAVERGEN_HOME: h };
    const r = await cli(['init'], here, repo);
    expect(r.code).toBe(0);
    expect((await stat(join(h, 'token'))).mode & 0o777).toBe(0o600);
    const text = await readFile(join(h, 'weavergen.config.json'), 'utf8');
    expect(text).toMatch(/^\/\/ WeaverGen node configuration: JSON with comments/);
    expect(text).toMatch(/\/\/ {3}all {11}publishes anonymized digests/);
    // what off does, as it is: no digests either way, the node still on the network
    expect(text).toMatch(
      /\/\/ {3}off {11}publishes nothing and ignores peers' digests \(still on the network/,
    );
    expect(text).not.toMatch(/k-anonymous|no network at all/);
    expect(r.stdout).toMatch(/found a registry: model \(4 YAML files\)\n/);
    expect(r.stdout).not.toMatch(/node_modules/);
    const next = r.stdout
      .split('next:\n')[1]
      .trim()
      .split('\n')
      .map((l) => l.trim());
    expect(next).toHaveLength(3);
    expect(next[0]).toMatch(/^weavergen registry check model +# /);
    expect(next[1]).toMatch(/^weavergen generate model --lang typescript +# /);
    expect(next[2]).toMatch(/^weavergen node start +# .*http:\/\/127\.0\.0\.1:4590\//);
    // the commented config is what the node reads, and the printed commands work as printed
    const check = await cli(['registry', 'check', 'model'], here, repo);
    expect(check.code).toBe(0);
    const gen = await cli(['generate', 'model', '--lang', 'typescript', '--no-validate'], here, repo);
    expect(gen.code).toBe(0);
    // changing the share mode later keeps the comments
    expect((await cli(['init', '--share', 'all', '--force'], here, repo)).code).toBe(0);
    const after = await readFile(join(h, 'weavergen.config.json'), 'utf8');
    expect(after).toMatch(/"share": "all"/);
    expect(after.split('//').length).toBe(text.split('//').length);
    // no registry here: it says so, and the commands name a placeholder
    const empty = await mkdtemp(join(tmpdir(), 'wg-init-empty-'));
    const none = await cli(['init'], { WEAVERGEN_HOME: join(empty, '.weavergen') }, empty);
    expect(none.stdout).toMatch(/no semantic-convention registry found in/);
    expect(none.stdout).toMatch(/weavergen registry check <registry folder>/);
    const nowhere = await cli(
      ['init', '--dir', join(empty, 'nope')],
      { WEAVERGEN_HOME: join(empty, '.weavergen') },
      empty,
    );
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/--dir: .*nope is not a folder/);
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
      // the accounting: the yearly budget (defaults: 365, epsilon 1) and delta at k 5 (0.16)
      const { privacy } = peers.stats;
      expect(privacy).toMatchObject({ budgetPerYear: 365, k: 5 });
      expect(shown.stdout).toContain(
        `privacy: epsilon spent in the last 365 days ${privacy.spentLastYear} of 365, delta 0.16 per entry, k 5\n`,
      );
    } finally {
      await new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      });
    }
  });
});
