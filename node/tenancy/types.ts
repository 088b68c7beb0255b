import { z } from 'zod';
import { ROLES, type Role } from './roles.js';

/** The tenant every request belongs to when no other is named: a node without tenants is this one. */
export const DEFAULT_TENANT = 'default';

export const TenantIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'a tenant id is 1-63 of a-z, 0-9 and -, starting with a letter or digit',
  );

/** Limits of one tenant; a missing one is no limit. */
export const QuotasSchema = z
  .object({
    /** generations submitted in the last hour (a sliding hour of minute buckets) */
    generationsPerHour: z.number().int().min(0).max(1_000_000).optional(),
    /** generations and tasks queued or running at once */
    concurrentJobs: z.number().int().min(0).max(10_000).optional(),
    /** tokens the tenant's generations and tasks spent on LLMs in the last 24 hours */
    llmTokensPerDay: z.number().int().min(0).max(1e12).optional(),
    /** bytes the tenant's data holds on disk (database estimate + files its generations wrote) */
    storageBytes: z.number().int().min(0).max(1e15).optional(),
  })
  .strict();
export type Quotas = z.infer<typeof QuotasSchema>;

export const TenantInputSchema = z
  .object({
    id: TenantIdSchema,
    name: z.string().min(1).max(200).optional(),
    /** whether what this tenant learns may go into the node's gossiped digests (its admin opts in) */
    share: z.boolean().default(false),
    quotas: QuotasSchema.default({}),
    /** folders its generations may read registries from (default: <home>/tenants/<id>/registries) */
    registryRoots: z.array(z.string().min(1).max(4096)).max(32).optional(),
  })
  .strict();
export type TenantInput = z.input<typeof TenantInputSchema>;

export const TenantUpdateSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    share: z.boolean().optional(),
    quotas: QuotasSchema.optional(),
  })
  .strict();
export type TenantUpdate = z.infer<typeof TenantUpdateSchema>;

export interface Tenant {
  id: string;
  name: string;
  share: boolean;
  quotas: Quotas;
  registryRoots: string[];
  createdAt: number;
}

export const TokenInputSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[^\p{Cc}]+$/u, 'no control characters'),
    role: z.enum(ROLES),
  })
  .strict();

/** A token as stored: its hash only (the secret is shown once, when made). */
export interface TokenRecord {
  /** short public id: the first 12 hex digits of the hash (to list and revoke it by) */
  id: string;
  tenant: string;
  name: string;
  role: Role;
  createdAt: number;
}

/** Who sent a request: the tenant it acts in and with which role. */
export interface Principal {
  tenant: string;
  role: Role;
  /** the token's name (the home token: "operator"; an open loopback read: "anonymous") */
  name: string;
  /** the home's token: manages tenants and may act in any of them */
  operator: boolean;
}

export interface Usage {
  tenant: string;
  generationsLastHour: number;
  jobsInFlight: number;
  llmTokensLastDay: number;
  storageBytes: number;
  quotas: Quotas;
  at: number;
}
