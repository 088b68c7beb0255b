import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DOCKER = resolve(import.meta.dirname, '../../../docker');

const entry = async (env: Record<string, string>) => {
  const { stdout, stderr } = await run('bash', [join(DOCKER, 'entrypoint.sh')], {
    env: { PATH: process.env.PATH ?? '', WEAVERGEN_DRY_RUN: '1', ...env },
  });
  return { argv: stdout.trim().split(/\s+/), stderr };
};
const flag = (argv: string[], name: string) => {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1];
};

describe('docker/entrypoint.sh: what the container announces and shares', () => {
  it('announces nothing of its own unless given its public address; shares what WEAVERGEN_SHARE says', async () => {
    const plain = await entry({});
    expect(plain.argv).not.toContain('--announce');
    expect(plain.argv).not.toContain('--share');
    const host = await entry({ WEAVERGEN_PUBLIC_HOST: '172.28.0.11', WEAVERGEN_SHARE: 'contexts:go,rust' });
    expect(flag(host.argv, '--announce')).toBe('/ip4/172.28.0.11/tcp/4001');
    expect(flag(host.argv, '--share')).toBe('contexts:go,rust');
    const two = await entry({
      WEAVERGEN_PUBLIC_HOST: 'node1.example.org',
      WEAVERGEN_LISTEN: '/ip4/0.0.0.0/tcp/4001,/ip6/::/tcp/4001,/ip4/0.0.0.0/tcp/4002',
    });
    expect(flag(two.argv, '--announce')).toBe(
      '/dns/node1.example.org/tcp/4001,/dns/node1.example.org/tcp/4002',
    );
    const v6 = await entry({ WEAVERGEN_PUBLIC_HOST: '2001:db8::7' });
    expect(flag(v6.argv, '--announce')).toBe('/ip6/2001:db8::7/tcp/4001');
    // an explicit list wins
    const given = await entry({
      WEAVERGEN_PUBLIC_HOST: '10.0.0.1',
      WEAVERGEN_ANNOUNCE: '/ip4/203.0.113.7/tcp/4591',
    });
    expect(flag(given.argv, '--announce')).toBe('/ip4/203.0.113.7/tcp/4591');
    // a random port cannot be announced
    const random = await entry({ WEAVERGEN_PUBLIC_HOST: '10.0.0.1', WEAVERGEN_LISTEN: '/ip4/0.0.0.0/tcp/0' });
    expect(random.argv).not.toContain('--announce');
    expect(random.stderr).toMatch(/nothing to announce/);
  });

  it('the compose nodes announce their fixed addresses and share as a demo network', async () => {
    const compose = await readFile(join(DOCKER, 'compose.yaml'), 'utf8');
    for (const n of [1, 2, 3]) {
      const block = compose.slice(compose.indexOf(`  node${n}:`));
      expect(block).toMatch(new RegExp(`WEAVERGEN_PUBLIC_HOST: 172\\.28\\.0\\.1${n}`));
    }
    expect(compose).toMatch(/WEAVERGEN_SHARE: all/);
  });
});

describe('docker/three-nodes.sh shares explicitly', () => {
  it('passes --share all by default, and the share of WEAVERGEN_THREE_SHARE', async () => {
    const dry = async (env: Record<string, string> = {}) =>
      (
        await run('bash', [join(DOCKER, 'three-nodes.sh'), '--dry-run', '--dir', '/nonexistent-wg'], {
          env: { ...process.env, ...env },
        })
      ).stdout;
    const commands = (await dry())
      .trim()
      .split('\n')
      .filter((l) => /^node\d: /.test(l));
    expect(commands).toHaveLength(3);
    for (const line of commands) expect(line).toMatch(/ --share all( |$)/);
    expect(await dry({ WEAVERGEN_THREE_SHARE: 'contexts:go' })).toMatch(/--share contexts:go/);
  });
});
