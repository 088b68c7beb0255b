import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cidOfBytes } from '../../protocols/index.js';
import { cli } from '../helpers/cli.js';

/**
 * `weavergen pack ...` without a running node: the command's own node (network off) checks, signs
 * and keeps a published pack, searches, shows, rates and lists; install says it needs a running
 * node. Mistakes are one line and exit 2, a pack that fails its checks exit 1.
 */
const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'packs', 'doc-ts');
let temp: string;
let home: string;

async function pack(name: string, template?: string): Promise<string> {
  const dir = join(temp, name);
  await cp(FIXTURE, dir, { recursive: true });
  const yaml = await readFile(join(dir, 'pack.yaml'), 'utf8');
  await writeFile(join(dir, 'pack.yaml'), yaml.replace(/^name: .*$/m, `name: ${name}`));
  if (template !== undefined) await writeFile(join(dir, 'templates', 'index.ts.liquid'), template);
  return dir;
}

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'weavergen-pack-cli-'));
  home = join(temp, 'home');
});

describe('weavergen pack, with no node running on the home', () => {
  it('publish checks, signs and keeps the pack; it is announced at the next node start', async () => {
    const dir = await pack('cli-doc-ts');
    const r = await cli(['pack', 'publish', dir, '--home', home]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^published cli-doc-ts 1\.0\.0 \(typescript\) as bafkrei[a-z2-7]+$/m);
    expect(r.stdout).toMatch(
      /checked: 3 variants rendered on the example registry \(1 file\), compiled with tsc: passed/,
    );
    expect(r.stdout).toMatch(/not announced yet: the network is off here/);
    // the same pack again: the same id, nothing new
    const again = await cli(['pack', 'publish', dir, '--home', home, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).pattern.name).toBe('cli-doc-ts');
  });

  it('a pack that fails its checks is exit 1 with the check named; a broken one too', async () => {
    const lying = await cli([
      'pack',
      'publish',
      await pack('cli-lying', 'def x():\n    return 1\n'),
      '--home',
      home,
    ]);
    expect(lying.code).toBe(1);
    expect(lying.stderr.trim().split('\n')).toHaveLength(1);
    expect(lying.stderr).toMatch(/pack cli-lying 1\.0\.0 refused \(compile\).*does not compile with tsc/);
    const broken = await pack('cli-broken');
    await writeFile(join(broken, 'pack.yaml'), 'name: [\n');
    const r = await cli(['pack', 'publish', broken, '--home', home]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pack\.yaml is not valid YAML/);
    const missing = await cli(['pack', 'publish', join(temp, 'nowhere'), '--home', home]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no pack folder at/);
  });

  it('search, show, rate and list; install needs a running node', async () => {
    const found = await cli(['pack', 'search', 'cli', '--home', home]);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/cli-doc-ts\s+1\.0\.0\s+typescript\s+template\s+published here\s+yes/);
    expect((await cli(['pack', 'search', '--lang', 'go', '--home', home])).stdout).toMatch(/go-semconv/);
    const none = await cli(['pack', 'search', 'nothing-like-this', '--home', home]);
    expect(none.stdout).toMatch(/no pack matches/);
    const shown = await cli(['pack', 'show', 'cli-doc-ts', '--home', home]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/params:\n {2}doc: none \(default\) \| brief \| full/);
    const unknown = await cli(['pack', 'show', 'no-such-pack', '--home', home]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no pack no-such-pack/);
    const bad = await cli(['pack', 'rate', 'cli-doc-ts', '6', '--home', home]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/a rating is a whole number from 1 to 5, got "6"/);
    const rated = await cli(['pack', 'rate', 'cli-doc-ts', '4', '--comment', 'tidy', '--home', home]);
    expect(rated.code).toBe(0);
    expect(rated.stdout).toMatch(/not gossiped yet/);
    const listed = await cli(['pack', 'list', '--home', home]);
    expect(listed.stdout).toMatch(/cli-doc-ts\s+1\.0\.0\s+typescript\s+published here\s+-\s+-\s+\*{4}\./);
    const install = await cli(['pack', 'install', 'go-semconv', '--home', home]);
    expect(install.code).toBe(0);
    expect(install.stdout).toMatch(/go-semconv 1\.0\.0 is already built in/);
    const fetch = await cli([
      'pack',
      'install',
      cidOfBytes(new TextEncoder().encode('a pack nobody has')),
      '--home',
      home,
    ]);
    expect(fetch.code).toBe(2);
    expect(fetch.stderr).toMatch(/needs a node running with the network on/);
  });
});
