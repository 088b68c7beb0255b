import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../../../node/storage/index.js';
import { createTenancy, DEFAULT_TENANT, TenancyErrorCode } from '../../../../node/tenancy/index.js';

let dir: string;
let store: Store | undefined;
const open = async () => {
  store = await createStore({ path: join(dir, 'db') });
  return { store, tenancy: await createTenancy({ store }, { home: dir }) };
};

afterEach(async () => {
  await store?.close();
  store = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('store.within', () => {
  it("keeps a tenant's sublevels apart from the node's and from other tenants'", async () => {
    dir = await mkdtemp(join(tmpdir(), 'wg-within-'));
    const { store: s } = await open();
    const a = s.within('a');
    const b = s.within('b');
    await s.put('generations', 'g', 'default');
    await a.put('generations', 'g', 'a');
    await b.batch([{ type: 'put', sublevel: 'generations', key: 'h', value: 'b' }]);
    expect(await s.scan('generations')).toEqual([['g', 'default']]);
    expect(await a.scan('generations')).toEqual([['g', 'a']]);
    expect(await b.scan('generations')).toEqual([['h', 'b']]);
    expect(await a.get('generations', 'h')).toBeUndefined();
    expect(await b.getMany('generations', ['g', 'h'])).toEqual([undefined, 'b']);
    // a prefix scan of the node's sublevel that would match a nested key's text still does not
    expect(await s.scan('generations', { prefix: '' })).toHaveLength(1);
    expect(() => s.within('../x')).toThrow(/not a scope name/);
  });
});

describe('tenancy', () => {
  it('has the default tenant from the start, and creates others once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wg-tenancy-'));
    const { tenancy } = await open();
    expect(tenancy.list().map((t) => t.id)).toEqual([DEFAULT_TENANT]);
    const t = await tenancy.create({ id: 'acme', quotas: { concurrentJobs: 1 } });
    expect(t).toMatchObject({ id: 'acme', share: false, quotas: { concurrentJobs: 1 } });
    expect(t.registryRoots).toEqual([join(dir, 'tenants', 'acme', 'registries')]);
    await expect(tenancy.create({ id: 'acme' })).rejects.toMatchObject({
      type: { code: TenancyErrorCode.TENANT_EXISTS },
    });
    await expect(tenancy.create({ id: DEFAULT_TENANT })).rejects.toMatchObject({
      type: { code: TenancyErrorCode.TENANT_EXISTS },
    });
    await expect(tenancy.create({ id: 'Bad Id' })).rejects.toMatchObject({
      type: { code: TenancyErrorCode.BAD_INPUT, field: 'id' },
    });
    expect(() => tenancy.get('nobody')).toThrow(/no tenant "nobody"/);
  });

  it('keeps only the hash of a token, authenticates it, forgets it when revoked, and all of it survives a restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wg-tokens-'));
    let { tenancy } = await open();
    await tenancy.create({ id: 'acme' });
    const { secret, token } = await tenancy.createToken('acme', { name: 'ci', role: 'developer' });
    const other = await tenancy.createToken('acme', { name: 'eve', role: 'viewer' });
    expect(secret).toMatch(/^wg_[\w-]{43}$/);
    expect(tenancy.authenticate(secret)).toEqual({
      tenant: 'acme',
      role: 'developer',
      name: 'ci',
      operator: false,
    });
    expect(tenancy.authenticate(`${secret}x`)).toBeUndefined();
    await tenancy.usage.generation('acme');
    await store!.close();
    // the database files hold no secret
    for (const f of await readdir(join(dir, 'db'))) {
      const bytes = await readFile(join(dir, 'db', f)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(secret)), f).toBe(false);
    }
    ({ tenancy } = await open());
    expect(tenancy.authenticate(secret)?.tenant).toBe('acme');
    expect(tenancy.listTokens('acme').map((t) => t.name)).toEqual(['ci', 'eve']);
    expect((await tenancy.report('acme', 0)).generationsLastHour).toBe(1);
    await tenancy.revokeToken('acme', token.id);
    expect(tenancy.authenticate(secret)).toBeUndefined();
    expect(tenancy.authenticate(other.secret)?.role).toBe('viewer');
    await expect(tenancy.revokeToken('acme', token.id)).rejects.toMatchObject({
      type: { code: TenancyErrorCode.TOKEN_NOT_FOUND },
    });
    await expect(tenancy.createToken('acme', { name: 'x', role: 'root' as never })).rejects.toMatchObject({
      type: { code: TenancyErrorCode.BAD_INPUT, field: 'role' },
    });
  });

  it('refuses a job past a quota and reports usage', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wg-quota-'));
    const { tenancy } = await open();
    await tenancy.create({ id: 'acme', quotas: { generationsPerHour: 2, concurrentJobs: 3 } });
    expect(await tenancy.refusal('acme', 0)).toBeUndefined();
    await tenancy.usage.generation('acme');
    await tenancy.usage.generation('acme');
    expect((await tenancy.refusal('acme', 0))?.quota).toBe('generationsPerHour');
    expect((await tenancy.refusal('acme', 3))?.quota).toBe('concurrentJobs');
    await tenancy.usage.tokens('acme', 1234);
    const u = await tenancy.report('acme', 1);
    expect(u).toMatchObject({
      tenant: 'acme',
      generationsLastHour: 2,
      jobsInFlight: 1,
      llmTokensLastDay: 1234,
    });
    // another tenant's counters are its own
    expect((await tenancy.report(DEFAULT_TENANT, 0)).generationsLastHour).toBe(0);
  });
});
