import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

/**
 * `weavergen tenant ...` and `weavergen usage` as a user runs them (the built CLI, each command its
 * own in-process node on the home): tenants made and listed with the home's token, token secrets
 * shown once and kept only as hashes, a revoked token refused, and exit code 2 for an unknown
 * tenant, a bad --quota and a forbidden command.
 */

let home: string;
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  cli(args, { WEAVERGEN_HOME: home, WEAVERGEN_TOKEN: '', WEAVERGEN_TENANT: '', ...env });

/** the JSON a command printed (its exit code 0, else its stderr in the failure) */
const json = (r: { code: number | null; stdout: string; stderr: string }) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'wg-tenant-cli-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

let dev = '';
let devId = '';

describe('weavergen tenant', () => {
  it('create and list', async () => {
    const made = await run(['tenant', 'create', 'acme', '--name', 'Acme', '--quota', 'generationsPerHour=5']);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/created tenant acme \(quotas: generationsPerHour=5; shares learning: no\)/);
    expect(made.stdout).toContain(join(home, 'tenants', 'acme', 'registries'));
    const list = await run(['tenant', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/default/);
    expect(list.stdout).toMatch(/acme\s+Acme\s+no\s+generationsPerHour=5/);
  });

  it('token create prints the secret once on stdout; the home keeps only its hash', async () => {
    const made = await run(['tenant', 'token', 'create', 'acme', 'ci', '--role', 'developer']);
    expect(made.code).toBe(0);
    dev = made.stdout.trim();
    expect(dev).toMatch(/^wg_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toMatch(
      /token [0-9a-f]{12} \(ci, developer of acme\): the secret above is shown once/,
    );
    devId = /token ([0-9a-f]{12})/.exec(made.stderr)![1];
    expect(devId).toBe(createHash('sha256').update(dev).digest('hex').slice(0, 12));
    // every byte of the database (LevelDB's log and tables): the secret is not there
    const db = join(home, 'db');
    const files = await readdir(db);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = await readFile(join(db, f)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(dev)), f).toBe(false);
      expect(bytes.includes(Buffer.from(dev.slice(3))), f).toBe(false);
    }
    const list = await run(['tenant', 'token', 'list', 'acme']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${devId}\\s+ci\\s+developer`));
    expect(list.stdout).not.toContain(dev);
  });

  it("usage with WEAVERGEN_TOKEN is the token tenant's", async () => {
    const u = await run(['usage'], { WEAVERGEN_TOKEN: dev });
    expect(u.stderr).toBe('');
    expect(u.code).toBe(0);
    expect(u.stdout).toMatch(/acme\s+0 of 5\s+0/);
    // the home's token acts in the default tenant unless WEAVERGEN_TENANT names another
    expect(json(await run(['usage', '--json'], { WEAVERGEN_TENANT: 'acme' }))).toMatchObject({
      tenant: 'acme',
      generationsLastHour: 0,
      quotas: { generationsPerHour: 5 },
    });
  });

  it('exit 2: an unknown tenant, a bad --quota, a forbidden command', async () => {
    const unknown = await run(['tenant', 'token', 'create', 'nope', 'x', '--role', 'viewer']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no tenant "nope"/);
    for (const quota of ['bogus=1', 'generationsPerHour=-1']) {
      const bad = await run(['tenant', 'create', 'other', '--quota', quota]);
      expect(bad.code, quota).toBe(2);
      expect(bad.stderr, quota).toMatch(/--quota/);
    }
    // a developer's token manages no tenants and makes no tokens
    for (const args of [
      ['tenant', 'create', 'mine'],
      ['tenant', 'token', 'create', 'acme', 'x', '--role', 'admin'],
    ]) {
      const forbidden = await run(args, { WEAVERGEN_TOKEN: dev });
      expect(forbidden.code, args.join(' ')).toBe(2);
      expect(forbidden.stderr, args.join(' ')).toMatch(/needs|operator/);
      expect(forbidden.stderr).not.toContain(dev);
    }
    const listed = json(await run(['tenant', 'list', '--json']));
    expect(listed.map((t: { id: string }) => t.id)).toEqual(['default', 'acme']);
  });

  it('token revoke: the token stops working at once', async () => {
    const revoked = await run(['tenant', 'token', 'revoke', 'acme', devId]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`revoked token ${devId} \\(ci, developer of acme\\)`));
    const after = await run(['usage'], { WEAVERGEN_TOKEN: dev });
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/wrong bearer token/);
    expect(after.stderr).not.toContain(dev);
    const list = await run(['tenant', 'token', 'list', 'acme']);
    expect(list.stdout).not.toContain(devId);
  });
});
