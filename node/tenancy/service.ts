import { join, resolve } from 'node:path';
import type { Store } from '../storage/index.js';
import { TenancyError, TenancyErrorCode } from './errors.js';
import { lastDay, lastHour, type QuotaRefusal, quotaRefusal, total } from './quotas.js';
import type { Role } from './roles.js';
import { hashSecret, mintSecret, tokenIdOf } from './tokens.js';
import {
  DEFAULT_TENANT,
  type Principal,
  type Tenant,
  type TenantInput,
  TenantInputSchema,
  type TenantUpdate,
  TenantUpdateSchema,
  TokenInputSchema,
  type TokenRecord,
  type Usage,
} from './types.js';
import { createUsageCounters } from './usage.js';

const TENANT = 'tenant!';
const SIZE_STALE_MS = 5_000;
const IDLE = { generationsByMinute: [], tokensByHour: [], jobsInFlight: 0, storageBytes: 0 };
const TOKEN = 'token!';

const badInput = (field: string, message: string) =>
  new TenancyError({ code: TenancyErrorCode.BAD_INPUT, field }, message);

function parse<T>(
  schema: {
    safeParse(v: unknown): {
      success: boolean;
      data?: T;
      error?: { issues: { path: PropertyKey[]; message: string }[] };
    };
  },
  value: unknown,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data as T;
  const issue = r.error!.issues[0];
  const field = issue.path.map(String).join('.') || 'body';
  throw badInput(field, `${field}: ${issue.message}`);
}

/** The tenancy service's implementation (see index.ts for the contract). */
export async function tenancyService(store: Store, home: string) {
  const tenants = new Map<string, Tenant>();
  for (const [, t] of await store.scan<Tenant>('tenants', { prefix: TENANT })) tenants.set(t.id, t);
  // token hash -> record: every request with a token looks here, so the table is in memory
  const tokens = new Map<string, TokenRecord>();
  for (const [key, t] of await store.scan<TokenRecord>('tenants', { prefix: TOKEN }))
    tokens.set(key.slice(TOKEN.length), t);
  const usage = createUsageCounters(store);
  // LevelDB's size estimate walks its files: read at most every SIZE_STALE_MS per tenant (an
  // estimate anyway, and recent writes count only once flushed)
  const sizes = new Map<string, { at: number; bytes: Promise<number> }>();
  const dbSize = (tenant: string, now: number): Promise<number> => {
    const had = sizes.get(tenant);
    if (had && now - had.at < SIZE_STALE_MS) return had.bytes;
    const bytes = store.sizeOf(tenant === DEFAULT_TENANT ? undefined : tenant);
    sizes.set(tenant, { at: now, bytes });
    bytes.catch(() => sizes.delete(tenant));
    return bytes;
  };

  const defaultTenant = (): Tenant =>
    tenants.get(DEFAULT_TENANT) ?? {
      id: DEFAULT_TENANT,
      name: 'default',
      // the default tenant's sharing is the node's network.share setting (its operator's choice)
      share: true,
      quotas: {},
      registryRoots: [],
      createdAt: 0,
    };
  const get = (id: string): Tenant => {
    if (id === DEFAULT_TENANT) return defaultTenant();
    const t = tenants.get(id);
    if (!t)
      throw new TenancyError(
        { code: TenancyErrorCode.TENANT_NOT_FOUND, tenant: id },
        `no tenant ${JSON.stringify(id)} on this node (see weavergen tenant list)`,
      );
    return t;
  };
  const put = async (t: Tenant) => {
    await store.put('tenants', `${TENANT}${t.id}`, t);
    tenants.set(t.id, t);
  };

  return {
    list: (): Tenant[] => [defaultTenant(), ...[...tenants.values()].filter((t) => t.id !== DEFAULT_TENANT)],
    get,
    has: (id: string) => id === DEFAULT_TENANT || tenants.has(id),
    async create(input: TenantInput): Promise<Tenant> {
      const i = parse<ReturnType<typeof TenantInputSchema.parse>>(TenantInputSchema, input);
      if (i.id === DEFAULT_TENANT || tenants.has(i.id))
        throw new TenancyError(
          { code: TenancyErrorCode.TENANT_EXISTS, tenant: i.id },
          `a tenant ${i.id} exists already; pick another id, or change it with weavergen tenant update`,
        );
      const t: Tenant = {
        id: i.id,
        name: i.name ?? i.id,
        share: i.share,
        quotas: i.quotas,
        registryRoots: (i.registryRoots ?? [join(home, 'tenants', i.id, 'registries')]).map((r) =>
          resolve(r),
        ),
        createdAt: Date.now(),
      };
      await put(t);
      return t;
    },
    async update(id: string, patch: TenantUpdate): Promise<Tenant> {
      const p = parse<TenantUpdate>(TenantUpdateSchema, patch);
      const t = { ...get(id) };
      if (p.name !== undefined) t.name = p.name;
      if (p.share !== undefined) t.share = p.share;
      if (p.quotas !== undefined) t.quotas = p.quotas;
      await put(t);
      return t;
    },
    async createToken(tenant: string, input: { name: string; role: Role }) {
      get(tenant);
      const i = parse<{ name: string; role: Role }>(TokenInputSchema, input);
      const secret = mintSecret();
      const hash = hashSecret(secret);
      // strictly after every token made before (two in one millisecond would list in hash order)
      const latest = Math.max(0, ...[...tokens.values()].map((t) => t.createdAt));
      const record: TokenRecord = {
        id: tokenIdOf(hash),
        tenant,
        name: i.name,
        role: i.role,
        createdAt: Math.max(Date.now(), latest + 1),
      };
      await store.put('tenants', `${TOKEN}${hash}`, record);
      tokens.set(hash, record);
      return { secret, token: record };
    },
    listTokens: (tenant: string): TokenRecord[] =>
      [...tokens.values()].filter((t) => t.tenant === tenant).sort((a, b) => a.createdAt - b.createdAt),
    async revokeToken(tenant: string, id: string): Promise<TokenRecord> {
      const found = [...tokens.entries()].find(([, t]) => t.tenant === tenant && t.id === id);
      if (!found)
        throw new TenancyError(
          { code: TenancyErrorCode.TOKEN_NOT_FOUND, tenant, token: id },
          `no token ${id} in tenant ${tenant} (see weavergen tenant token list ${tenant})`,
        );
      await store.batch([{ type: 'del', sublevel: 'tenants', key: `${TOKEN}${found[0]}` }]);
      tokens.delete(found[0]);
      return found[1];
    },
    /** the principal of a tenant token's secret, or undefined when it is no token of this node */
    authenticate(secret: string): Principal | undefined {
      const t = tokens.get(hashSecret(secret));
      return t && { tenant: t.tenant, role: t.role, name: t.name, operator: false };
    },
    usage,
    async used(tenant: string, jobsInFlight: number, now = Date.now(), withStorage = true) {
      const counts = await usage.read(tenant);
      const db = withStorage ? await dbSize(tenant, now) : 0;
      return {
        generationsByMinute: counts.generationsByMinute,
        tokensByHour: counts.tokensByHour,
        jobsInFlight,
        storageBytes: db + counts.outputBytes,
        now,
      };
    },
    async refusal(tenant: string, jobsInFlight: number): Promise<QuotaRefusal | undefined> {
      const { quotas } = get(tenant);
      if (Object.keys(quotas).length === 0) return undefined;
      const now = Date.now();
      // a refusal for jobs in flight needs no counter; the database's size only a storage quota
      const busy = quotaRefusal({ concurrentJobs: quotas.concurrentJobs }, { ...IDLE, jobsInFlight }, now);
      if (busy) return busy;
      const used = await this.used(tenant, jobsInFlight, now, quotas.storageBytes !== undefined);
      return quotaRefusal(quotas, used, now);
    },
    async report(tenant: string, jobsInFlight: number): Promise<Usage> {
      const used = await this.used(tenant, jobsInFlight);
      return {
        tenant,
        generationsLastHour: total(lastHour(used.generationsByMinute, used.now)),
        jobsInFlight,
        llmTokensLastDay: total(lastDay(used.tokensByHour, used.now)),
        storageBytes: used.storageBytes,
        quotas: get(tenant).quotas,
        at: used.now,
      };
    },
  };
}
