import type { Quotas, Tenant, TokenRecord, Usage } from '../../node/tenancy/index.js';
import { EXIT, UsageError } from '../errors.js';
import { table } from '../render/table.js';
import { withSession } from '../session.js';
import { print, printJson } from './pack-render.js';

interface Common {
  home?: string;
  json?: boolean;
}

const QUOTA_KEYS: (keyof Quotas)[] = [
  'generationsPerHour',
  'concurrentJobs',
  'llmTokensPerDay',
  'storageBytes',
];

/** `--quota key=value` options as Quotas (a usage error names the keys a quota may have). */
export function parseQuotas(pairs: string[]): Quotas {
  const quotas: Quotas = {};
  for (const pair of pairs) {
    const m = /^([A-Za-z]+)=(\d+)$/.exec(pair.trim());
    if (!m || !QUOTA_KEYS.includes(m[1] as keyof Quotas))
      throw new UsageError(
        `--quota ${JSON.stringify(pair)}: expected key=<whole number> with a key of ${QUOTA_KEYS.join(', ')}`,
      );
    quotas[m[1] as keyof Quotas] = Number(m[2]);
  }
  return quotas;
}

const onOff = (v: string | undefined): boolean | undefined => {
  if (v === undefined) return undefined;
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new UsageError(`--share takes on or off, got ${JSON.stringify(v)}`);
};

const showQuotas = (q: Quotas) =>
  Object.entries(q)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || 'none';

const tenantRows = (tenants: Tenant[]) =>
  table(
    ['tenant', 'name', 'shares', 'quotas'],
    tenants.map((t) => [t.id, t.name, t.share ? 'yes' : 'no', showQuotas(t.quotas)]),
  );

const path = (id: string, rest = '') => `/v1/tenants/${encodeURIComponent(id)}${rest}`;

/** `weavergen tenant create <id>`: a tenant with its own data, sharing off unless --share on. */
export async function tenantCreate(
  id: string,
  opts: Common & { name?: string; share?: string; quota?: string[]; registryRoot?: string[] },
): Promise<number> {
  const body = {
    id,
    ...(opts.name ? { name: opts.name } : {}),
    share: onOff(opts.share) ?? false,
    quotas: parseQuotas(opts.quota ?? []),
    ...(opts.registryRoot?.length ? { registryRoots: opts.registryRoot } : {}),
  };
  const t = await withSession({ home: opts.home, command: 'weavergen tenant create' }, (s) =>
    s.api.post<Tenant>('/v1/tenants', body),
  );
  if (opts.json) printJson(t);
  else {
    print(
      `created tenant ${t.id} (quotas: ${showQuotas(t.quotas)}; shares learning: ${t.share ? 'yes' : 'no'})`,
    );
    print(`its registries go in ${t.registryRoots.join(', ')}`);
    print(`next: weavergen tenant token create ${t.id} <name> --role admin`);
  }
  return EXIT.OK;
}

/** `weavergen tenant list` (the node operator's token). */
export async function tenantList(opts: Common): Promise<number> {
  const { tenants } = await withSession({ home: opts.home, command: 'weavergen tenant list' }, (s) =>
    s.api.get<{ tenants: Tenant[] }>('/v1/tenants'),
  );
  if (opts.json) printJson(tenants);
  else print(tenantRows(tenants));
  return EXIT.OK;
}

/** `weavergen tenant update <id> [--name] [--share on|off] [--quota k=v]...` */
export async function tenantUpdate(
  id: string,
  opts: Common & { name?: string; share?: string; quota?: string[] },
): Promise<number> {
  const share = onOff(opts.share);
  const patch = {
    ...(opts.name ? { name: opts.name } : {}),
    ...(share === undefined ? {} : { share }),
    ...(opts.quota?.length ? { quotas: parseQuotas(opts.quota) } : {}),
  };
  if (Object.keys(patch).length === 0)
    throw new UsageError('nothing to change: give --name, --share or --quota');
  const t = await withSession({ home: opts.home, command: 'weavergen tenant update' }, (s) =>
    s.api.send<Tenant>('PATCH', path(id), patch),
  );
  if (opts.json) printJson(t);
  else print(tenantRows([t]));
  return EXIT.OK;
}

/** `weavergen tenant token create <tenant> <name> --role <role>`: prints the secret once. */
export async function tokenCreate(
  tenant: string,
  name: string,
  opts: Common & { role: string },
): Promise<number> {
  const made = await withSession({ home: opts.home, command: 'weavergen tenant token create' }, (s) =>
    s.api.post<{ secret: string; token: TokenRecord }>(path(tenant, '/tokens'), { name, role: opts.role }),
  );
  if (opts.json) printJson(made);
  else {
    print(made.secret);
    process.stderr.write(
      `token ${made.token.id} (${made.token.name}, ${made.token.role} of ${tenant}): the secret above is shown once and kept only as a hash; use it as WEAVERGEN_TOKEN or "Authorization: Bearer <secret>"\n`,
    );
  }
  return EXIT.OK;
}

/** `weavergen tenant token list <tenant>` (no secrets: they are not kept). */
export async function tokenList(tenant: string, opts: Common): Promise<number> {
  const { tokens } = await withSession({ home: opts.home, command: 'weavergen tenant token list' }, (s) =>
    s.api.get<{ tokens: TokenRecord[] }>(path(tenant, '/tokens')),
  );
  if (opts.json) printJson(tokens);
  else
    print(
      table(
        ['id', 'name', 'role', 'created'],
        tokens.map((t) => [t.id, t.name, t.role, new Date(t.createdAt).toISOString()]),
      ),
    );
  return EXIT.OK;
}

/** `weavergen tenant token revoke <tenant> <id>`: the token stops working at once. */
export async function tokenRevoke(tenant: string, id: string, opts: Common): Promise<number> {
  const { revoked } = await withSession({ home: opts.home, command: 'weavergen tenant token revoke' }, (s) =>
    s.api.send<{ revoked: TokenRecord }>('DELETE', path(tenant, `/tokens/${encodeURIComponent(id)}`)),
  );
  if (opts.json) printJson(revoked);
  else print(`revoked token ${revoked.id} (${revoked.name}, ${revoked.role} of ${tenant})`);
  return EXIT.OK;
}

/** `weavergen usage`: what the caller's tenant used against its quotas. */
export async function usage(opts: Common): Promise<number> {
  const u = await withSession({ home: opts.home, command: 'weavergen usage' }, (s) =>
    s.api.get<Usage>('/v1/usage'),
  );
  if (opts.json) {
    printJson(u);
    return EXIT.OK;
  }
  const q = u.quotas;
  const of = (used: number, limit?: number) => (limit === undefined ? `${used}` : `${used} of ${limit}`);
  print(
    table(
      ['tenant', 'generations (1 h)', 'jobs in flight', 'LLM tokens (24 h)', 'storage bytes'],
      [
        [
          u.tenant,
          of(u.generationsLastHour, q.generationsPerHour),
          of(u.jobsInFlight, q.concurrentJobs),
          of(u.llmTokensLastDay, q.llmTokensPerDay),
          of(u.storageBytes, q.storageBytes),
        ],
      ],
    ),
  );
  return EXIT.OK;
}
