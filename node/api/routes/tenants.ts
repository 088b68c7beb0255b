import type { Context, Hono } from 'hono';
import {
  type Principal,
  type Quotas,
  TenancyError,
  TenancyErrorCode,
  TenantInputSchema,
  TenantUpdateSchema,
  TokenInputSchema,
} from '../../tenancy/index.js';
import { principalOf } from '../auth.js';
import type { RouteContext } from '../context.js';
import { idParam, readJson } from '../validate.js';

/** A tenant's admin acts on its own tenant; the operator on any. */
function ownTenant(c: Context): { tenant: string; principal: Principal } {
  const principal = principalOf(c)!;
  const tenant = idParam(c, 'id');
  if (!principal.operator && principal.tenant !== tenant)
    throw new TenancyError(
      { code: TenancyErrorCode.FORBIDDEN, tenant, role: principal.role },
      `this token belongs to tenant ${principal.tenant}; it cannot act on tenant ${tenant}`,
    );
  return { tenant, principal };
}

/**
 * A tenant's admin may lower its quotas, never raise or remove one: the operator sets the ceilings
 * (a quota protects the node and the other tenants, so the tenant it binds does not lift it).
 */
function onlyTighter(tenant: string, current: Quotas, wanted: Quotas): void {
  for (const key of Object.keys(current) as (keyof Quotas)[]) {
    const now = current[key]!;
    const next = wanted[key];
    if (next === undefined || next > now)
      throw new TenancyError(
        { code: TenancyErrorCode.FORBIDDEN, tenant, needs: 'operator' },
        `quota ${key} of tenant ${tenant} is ${now}: its admin may lower it, only the node's operator may raise or remove it`,
      );
  }
}

/**
 * Tenants, their tokens and usage. GET/POST /v1/tenants: the operator (the home's token);
 * GET/PATCH /v1/tenants/:id and the tokens under it: the tenant's admin or the operator;
 * GET /v1/usage: any token of the tenant (what it used against its quotas).
 */
export function tenantRoutes(app: Hono, { node, tenant, auth }: RouteContext): void {
  const { tenancy } = node;
  app.get('/v1/tenants', auth.operator, (c) => c.json({ tenants: tenancy.list() }));

  app.post('/v1/tenants', auth.operator, async (c) => {
    const input = await readJson(c, TenantInputSchema);
    const created = await tenancy.create(input);
    c.header('Location', `/v1/tenants/${created.id}`);
    return c.json(created, 201);
  });

  app.get('/v1/tenants/:id', auth.admin, (c) => c.json(tenancy.get(ownTenant(c).tenant)));

  app.patch('/v1/tenants/:id', auth.admin, async (c) => {
    const { tenant: id, principal } = ownTenant(c);
    const patch = await readJson(c, TenantUpdateSchema);
    if (!principal.operator && patch.quotas) onlyTighter(id, tenancy.get(id).quotas, patch.quotas);
    return c.json(await tenancy.update(id, patch));
  });

  app.get('/v1/tenants/:id/tokens', auth.admin, (c) => {
    const { tenant: id } = ownTenant(c);
    tenancy.get(id);
    return c.json({ tokens: tenancy.listTokens(id) });
  });

  app.post('/v1/tenants/:id/tokens', auth.admin, async (c) => {
    const { tenant: id } = ownTenant(c);
    const made = await tenancy.createToken(id, await readJson(c, TokenInputSchema));
    // the secret is in this answer only: the node keeps its hash
    return c.json(made, 201);
  });

  app.delete('/v1/tenants/:id/tokens/:token', auth.admin, async (c) => {
    const { tenant: id } = ownTenant(c);
    return c.json({ revoked: await tenancy.revokeToken(id, idParam(c, 'token')) });
  });

  // who the request's token is: the dashboard shows a viewer read-only before a write is refused
  app.get('/v1/me', auth.read, (c) => c.json(principalOf(c)!));

  app.get('/v1/usage', auth.read, async (c) => c.json(await (await tenant(c)).usage()));
}
