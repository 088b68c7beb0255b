import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE, ENV_NAMES, loadConfig } from '../../../node/config.js';

const run = promisify(execFile);
const DOCKER = resolve(import.meta.dirname, '../../../docker');
const PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK';

/** `three-nodes.sh --dry-run` output as { node1: argv, ... } */
async function dryRun(args: string[], env: Record<string, string> = {}) {
  const { stdout } = await run('bash', [join(DOCKER, 'three-nodes.sh'), ...args], {
    env: { ...process.env, ...env },
  });
  const out: Record<string, string[]> = {};
  for (const line of stdout.trim().split('\n')) {
    const m = /^(node\d): (.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim().split(/\s+/);
  }
  return { stdout, nodes: out };
}

const flag = (argv: string[], name: string) => {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1];
};

describe('docker/three-nodes.sh', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weavergen-three-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--dry-run prints three node start commands, each with its own home, API port and libp2p port', async () => {
    const { nodes } = await dryRun(['--dry-run', '--dir', dir]);
    expect(Object.keys(nodes)).toEqual(['node1', 'node2', 'node3']);
    for (const [i, name] of ['node1', 'node2', 'node3'].entries()) {
      const argv = nodes[name];
      expect(argv.slice(0, 4)).toEqual(['node', resolve(DOCKER, '../dist/cli/bin.js'), 'node', 'start']);
      expect(flag(argv, '--home')).toBe(join(dir, name));
      expect(flag(argv, '--api-host')).toBe('127.0.0.1');
      expect(flag(argv, '--api-port')).toBe(String(4591 + i));
      expect(flag(argv, '--listen')).toBe(`/ip4/127.0.0.1/tcp/${4101 + i}`);
    }
    expect(flag(nodes.node1, '--bootstrap')).toBeUndefined();
    // node1's id is not known before it runs: a visible placeholder, never a made-up id
    expect(flag(nodes.node2, '--bootstrap')).toBe('/ip4/127.0.0.1/tcp/4101/p2p/PEER_ID_OF_NODE1');
    expect(flag(nodes.node3, '--bootstrap')).toBe(flag(nodes.node2, '--bootstrap'));
  });

  it("bootstraps nodes 2 and 3 from node1's peer id as node1 reports it in node.json", async () => {
    await mkdir(join(dir, 'node1'), { recursive: true });
    await writeFile(
      join(dir, 'node1', 'node.json'),
      JSON.stringify({ url: 'http://127.0.0.1:4591', pid: 1, peerId: PEER }),
    );
    const { nodes } = await dryRun(['--dry-run', '--dir', dir]);
    expect(flag(nodes.node2, '--bootstrap')).toBe(`/ip4/127.0.0.1/tcp/4101/p2p/${PEER}`);
    expect(flag(nodes.node3, '--bootstrap')).toBe(`/ip4/127.0.0.1/tcp/4101/p2p/${PEER}`);
    // something that is not an id is not used as one
    await writeFile(join(dir, 'node1', 'node.json'), JSON.stringify({ peerId: '$(rm -rf ~)' }));
    const bad = await dryRun(['--dry-run', '--dir', dir]);
    expect(flag(bad.nodes.node2, '--bootstrap')).toMatch(/PEER_ID_OF_NODE1$/);
  });

  it('takes ports from the environment and passes --no-example on', async () => {
    const { nodes } = await dryRun(['--dry-run', '--no-example', `--dir=${dir}`], {
      WEAVERGEN_THREE_API_PORT: '5000',
      WEAVERGEN_THREE_P2P_PORT: '6000',
    });
    expect(nodes.node3).toContain('--no-example');
    expect(flag(nodes.node3, '--api-port')).toBe('5002');
    expect(flag(nodes.node2, '--bootstrap')).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/6000\/p2p\//);
  });

  it('stop and status touch only nodes it started; unknown arguments are a usage error', async () => {
    // a pid file naming a live process that is not one of our nodes (this test runner)
    await writeFile(join(dir, 'node2.pid'), `${process.pid}\n`);
    const stop = await dryRun(['stop', '--dry-run', '--dir', dir]);
    expect(stop.stdout).toContain('node2: not running');
    expect(stop.stdout).not.toContain('kill');
    const status = await dryRun(['status', '--dir', dir]);
    expect(status.stdout.trim().split('\n')).toEqual([
      'node1: not running',
      'node2: not running',
      'node3: not running',
    ]);
    await expect(run('bash', [join(DOCKER, 'three-nodes.sh'), '--bogus'])).rejects.toMatchObject({ code: 2 });
  });
});

describe('the demo setting', () => {
  it('three-nodes.sh passes the nodes the same demo setting as compose.yaml, each read by the node', async () => {
    const { stdout } = await dryRun(['--dry-run', '--dir', join(tmpdir(), 'weavergen-three-demo')]);
    const line = /^env: (.*)$/m.exec(stdout)?.[1] ?? '';
    const demo = Object.fromEntries(line.split(/\s+/).map((w) => w.split('=') as [string, string]));
    expect(demo).toEqual({
      WEAVERGEN_EPOCH_MS: '15000',
      WEAVERGEN_K: '1',
      WEAVERGEN_EPSILON: '100',
      WEAVERGEN_BUDGET: '100000',
    });
    const compose = await readFile(join(DOCKER, 'compose.yaml'), 'utf8');
    for (const [name, value] of Object.entries(demo)) expect(compose).toContain(`${name}: "${value}"`);
    // the node reads them (the environment outranks the home's config file): learning within a minute
    const home = await mkdtemp(join(tmpdir(), 'weavergen-three-demo-'));
    await writeFile(
      join(home, CONFIG_FILE),
      JSON.stringify({ network: { epochMs: 600_000, k: 5, epsilon: 1 } }),
    );
    const config = await loadConfig({ home }, demo);
    await rm(home, { recursive: true, force: true });
    expect(config.network).toMatchObject({ epochMs: 15_000, k: 1, epsilon: 100, budget: 100_000 });
    expect(ENV_NAMES).toMatchObject({
      'network.k': 'WEAVERGEN_K',
      'network.epsilon': 'WEAVERGEN_EPSILON',
      'network.budget': 'WEAVERGEN_BUDGET',
    });
    await expect(loadConfig({ home }, { WEAVERGEN_EPSILON: 'lots' })).rejects.toThrow(/WEAVERGEN_EPSILON/);
  });
});

describe('docker/entrypoint.sh', () => {
  const entry = async (env: Record<string, string>, args: string[] = []) => {
    const { stdout } = await run('bash', [join(DOCKER, 'entrypoint.sh'), ...args], {
      env: { PATH: process.env.PATH ?? '', WEAVERGEN_DRY_RUN: '1', ...env },
    });
    return stdout.trim().split(/\s+/);
  };

  it('turns the environment into node start flags, with container defaults', async () => {
    const argv = await entry({});
    expect(argv.slice(0, 2)).toEqual(['node', '--max-semi-space-size=4']);
    expect(argv.slice(3)).toEqual([
      'node',
      'start',
      '--home',
      '/data',
      '--api-host',
      '0.0.0.0',
      '--api-port',
      '4590',
      '--listen',
      '/ip4/0.0.0.0/tcp/4001',
    ]);
    const custom = await entry(
      {
        WEAVERGEN_HOME: '/h',
        WEAVERGEN_API_PORT: '7000',
        WEAVERGEN_LISTEN: '/ip4/0.0.0.0/tcp/1,/ip6/::/tcp/1',
        WEAVERGEN_BOOTSTRAP: `/ip4/10.0.0.1/tcp/4001/p2p/${PEER}`,
      },
      ['--no-example'],
    );
    expect(flag(custom, '--home')).toBe('/h');
    expect(flag(custom, '--api-port')).toBe('7000');
    expect(flag(custom, '--listen')).toBe('/ip4/0.0.0.0/tcp/1,/ip6/::/tcp/1');
    expect(flag(custom, '--bootstrap')).toBe(`/ip4/10.0.0.1/tcp/4001/p2p/${PEER}`);
    expect(custom.at(-1)).toBe('--no-example');
    const off = await entry({ WEAVERGEN_NETWORK: 'off', WEAVERGEN_BOOTSTRAP: '/ip4/1.1.1.1/tcp/1/p2p/x' });
    expect(off).toContain('--no-network');
    expect(off).not.toContain('--listen');
    expect(off).not.toContain('--bootstrap');
  });

  it("adds the compose bootstrap peer from another node's published peer id", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weavergen-entry-'));
    try {
      await writeFile(join(dir, 'node1.id'), `${PEER}\n`);
      const argv = await entry({
        WEAVERGEN_BOOTSTRAP: '/ip4/10.0.0.9/tcp/4001/p2p/QmOther',
        WEAVERGEN_BOOTSTRAP_ID_FILE: join(dir, 'node1.id'),
        WEAVERGEN_BOOTSTRAP_ADDR: '/ip4/172.28.0.11/tcp/4001/',
      });
      expect(flag(argv, '--bootstrap')).toBe(
        `/ip4/10.0.0.9/tcp/4001/p2p/QmOther,/ip4/172.28.0.11/tcp/4001/p2p/${PEER}`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
