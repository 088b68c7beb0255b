import { QuotasSchema, TenantInputSchema, TenantUpdateSchema, TokenInputSchema } from '../tenancy/index.js';
import { fromZod, jsonContent, ref, type Schema } from './openapi-components.js';
import type { PathHelpers } from './openapi-patterns.js';

/** Tenants, their tokens and usage (routes/tenants.ts). */
export const TENANT_COMPONENTS: Record<string, Schema> = {
  Quotas: fromZod(QuotasSchema),
  TenantInput: fromZod(TenantInputSchema),
  TenantPatch: fromZod(TenantUpdateSchema),
  TokenInput: fromZod(TokenInputSchema),
  Tenant: {
    type: 'object',
    required: ['id', 'name', 'share', 'quotas', 'registryRoots', 'createdAt'],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      share: { type: 'boolean', description: "whether its learning goes into the node's gossiped digests" },
      quotas: ref('Quotas'),
      registryRoots: {
        type: 'array',
        items: { type: 'string' },
        description: 'folders its registries may be read from',
      },
      createdAt: { type: 'number' },
    },
  },
  Token: {
    type: 'object',
    required: ['id', 'tenant', 'name', 'role', 'createdAt'],
    properties: {
      id: { type: 'string', description: 'the first 12 hex digits of the hash of its secret' },
      tenant: { type: 'string' },
      name: { type: 'string' },
      role: { enum: ['viewer', 'developer', 'admin'] },
      createdAt: { type: 'number' },
    },
  },
  Usage: {
    type: 'object',
    required: [
      'tenant',
      'generationsLastHour',
      'jobsInFlight',
      'llmTokensLastDay',
      'storageBytes',
      'quotas',
      'at',
    ],
    properties: {
      tenant: { type: 'string' },
      generationsLastHour: { type: 'integer' },
      jobsInFlight: { type: 'integer' },
      llmTokensLastDay: { type: 'integer' },
      storageBytes: {
        type: 'integer',
        description: "LevelDB's estimate of the tenant's data plus the bytes of the files it wrote",
      },
      quotas: ref('Quotas'),
      at: { type: 'number' },
    },
  },
};

const tenantId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'the tenant',
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
};

export function tenantPaths({ body, read, errors, write }: PathHelpers): Record<string, unknown> {
  const admin = (summary: string, ok: Schema, status = '200', more: Schema = {}) => ({
    summary,
    security: write,
    ...more,
    responses: {
      [status]: { description: 'OK', content: jsonContent(ok) },
      ...errors(400, 401, 403, 404, 413, 415, 429, 500, 503),
    },
  });
  return {
    '/v1/tenants': {
      get: admin("every tenant (the node operator's token only)", {
        type: 'object',
        required: ['tenants'],
        properties: { tenants: { type: 'array', items: ref('Tenant') } },
      }),
      post: admin(
        "a new tenant (the node operator's token only); 409 when the id is taken",
        ref('Tenant'),
        '201',
        {
          requestBody: body('TenantInput'),
        },
      ),
    },
    '/v1/tenants/{id}': {
      get: admin("a tenant (its admin's token, or the operator's)", ref('Tenant'), '200', {
        parameters: [tenantId],
      }),
      patch: admin(
        "change a tenant's name, sharing or quotas (its admin may only lower a quota; the operator may set any)",
        ref('Tenant'),
        '200',
        { parameters: [tenantId], requestBody: body('TenantPatch') },
      ),
    },
    '/v1/tenants/{id}/tokens': {
      get: admin(
        "a tenant's tokens, without secrets (its admin, or the operator)",
        {
          type: 'object',
          required: ['tokens'],
          properties: { tokens: { type: 'array', items: ref('Token') } },
        },
        '200',
        { parameters: [tenantId] },
      ),
      post: admin(
        'a new token: the secret is in this answer only (the node keeps its hash)',
        {
          type: 'object',
          required: ['secret', 'token'],
          properties: { secret: { type: 'string' }, token: ref('Token') },
        },
        '201',
        { parameters: [tenantId], requestBody: body('TokenInput') },
      ),
    },
    '/v1/tenants/{id}/tokens/{token}': {
      delete: admin(
        'revoke a token: it stops working at once',
        { type: 'object', required: ['revoked'], properties: { revoked: ref('Token') } },
        '200',
        {
          parameters: [
            tenantId,
            {
              name: 'token',
              in: 'path',
              required: true,
              description: 'the token id',
              schema: { type: 'string' },
            },
          ],
        },
      ),
    },
    '/v1/me': {
      get: read(
        "who the request's token is: its tenant, role and name (`operator` for the home's token, `anonymous` for an open loopback read)",
        {
          type: 'object',
          required: ['tenant', 'role', 'name', 'operator'],
          properties: {
            tenant: { type: 'string' },
            role: { enum: ['viewer', 'developer', 'admin'] },
            name: { type: 'string' },
            operator: { type: 'boolean' },
          },
        },
      ),
    },
    '/v1/usage': {
      get: read("what the caller's tenant used against its quotas", ref('Usage'), {}, [403]),
    },
  };
}
