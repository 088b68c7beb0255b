import type { Store } from '../storage/index.js';
import type { QuotaRefusal } from './quotas.js';
import type { Role } from './roles.js';
import { tenancyService } from './service.js';
import type { Principal, Tenant, TenantInput, TenantUpdate, TokenRecord, Usage } from './types.js';
import type { UsageCounters } from './usage.js';

export { TenancyError, TenancyErrorCode } from './errors.js';
export { confineRegistry, refuseTenantsFolder } from './paths.js';
export { quotaRefusal } from './quotas.js';
export { permits, ROLES, type Role } from './roles.js';
export {
  DEFAULT_TENANT,
  type Principal,
  type Quotas,
  QuotasSchema,
  type Tenant,
  TenantIdSchema,
  TenantInputSchema,
  TenantUpdateSchema,
  TokenInputSchema,
  type TokenRecord,
  type Usage,
} from './types.js';

/**
 * The tenants of one node, their tokens (stored hashed) and roles, and their quotas and usage.
 * A node without tenants has one, `default`, which owns everything: zero configuration.
 */
export interface Tenancy {
  list(): Tenant[];
  /** throws TENANT_NOT_FOUND */
  get(id: string): Tenant;
  has(id: string): boolean;
  create(input: TenantInput): Promise<Tenant>;
  update(id: string, patch: TenantUpdate): Promise<Tenant>;
  /** a new token; its secret is returned here once and stored only as a hash */
  createToken(
    tenant: string,
    input: { name: string; role: Role },
  ): Promise<{ secret: string; token: TokenRecord }>;
  listTokens(tenant: string): TokenRecord[];
  revokeToken(tenant: string, id: string): Promise<TokenRecord>;
  authenticate(secret: string): Principal | undefined;
  /** counters the node bumps: a generation submitted, LLM tokens spent, bytes written */
  usage: UsageCounters;
  /** the first quota a new job of the tenant would exceed, or undefined */
  refusal(tenant: string, jobsInFlight: number): Promise<QuotaRefusal | undefined>;
  report(tenant: string, jobsInFlight: number): Promise<Usage>;
}

export interface TenancyComponents {
  /** the node's store (tenants, token hashes and usage live in its `tenants` sublevel) */
  store: Store;
}

export interface TenancyInit {
  /** the node's home: a tenant's default registry folder is <home>/tenants/<id>/registries */
  home: string;
}

export async function createTenancy(components: TenancyComponents, init: TenancyInit): Promise<Tenancy> {
  return tenancyService(components.store, init.home);
}
