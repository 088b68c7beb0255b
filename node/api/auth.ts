import { createHash, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { Context, MiddlewareHandler } from 'hono';
import { createRateLimiter, type RateLimit } from '../network/rate-limit.js';
import {
  DEFAULT_TENANT,
  type Principal,
  permits,
  type Role,
  TenancyError,
  TenancyErrorCode,
} from '../tenancy/index.js';
import { ApiError, ApiErrorCode } from './errors.js';

/** The header the node operator's token names a tenant with (a tenant's own token needs none). */
export const TENANT_HEADER = 'x-weavergen-tenant';

export interface AuthInit {
  /** the home's token: the node operator's, admin of every tenant */
  token: string;
  /** tenants' tokens (stored hashed) and whether a tenant exists */
  tenants: { authenticate(secret: string): Principal | undefined; has(id: string): boolean };
  /** writes per token (sustained per minute, burst); past it 429 with Retry-After */
  rateLimit?: RateLimit;
  /** the node's home, named in the 401 message so the caller knows where the token is */
  home: string;
  /** reads of the default tenant without a token, for requests addressed to a loopback host name */
  openReads: boolean;
}

export interface Auth {
  /** reads: viewer; open on loopback when `openReads` for the default tenant (a token sent anyway must be right) */
  read: MiddlewareHandler;
  /** generate, tasks, rate, install, annotate: developer, rate-limited per token */
  write: MiddlewareHandler;
  /** tokens, quotas, sharing, publish: admin, rate-limited per token */
  admin: MiddlewareHandler;
  /** creating and listing tenants: the node operator's token only */
  operator: MiddlewareHandler;
  /**
   * node-wide counters (metrics, rejections over time): a read by the operator or the default
   * tenant (the node's own team); another tenant's token is 403, since they sum every tenant's work
   */
  node: MiddlewareHandler;
}

const principals = new WeakMap<Request, Principal>();
/** an open loopback read: the default tenant's viewer, with no token (one object for them all) */
const ANONYMOUS: Principal = Object.freeze({
  tenant: DEFAULT_TENANT,
  role: 'viewer',
  name: 'anonymous',
  operator: false,
});

/** Who sent the request, as the auth middleware of its route found (undefined before it ran). */
export const principalOf = (c: Context): Principal | undefined => principals.get(c.req.raw);

/** Constant-time comparison: both sides are hashed first so their lengths do not leak either. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);

/** 127.0.0.0/8, ::1, localhost: the names a request addressed to this machine only carries. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127(\.\d{1,3}){3}$/.test(h);
}

// what `new URL(url).hostname` reads as a loopback name, recognised without parsing the URL (a
// request's most of the time); anything else (another host, userinfo, an odd port) is parsed
const LOOPBACK_ORIGIN = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::(\d{1,5}))?\//;

/** isLoopbackHost of the URL's host name. */
export function urlHostIsLoopback(url: string): boolean {
  const m = LOOPBACK_ORIGIN.exec(url);
  if (m && (m[1] === undefined || Number(m[1]) <= 65_535)) return true;
  return isLoopbackHost(new URL(url).hostname);
}

/** The token of an `Authorization: Bearer <token>` header (any case, any spaces around it). */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer +([^\s]+) *$/i.exec(header)?.[1];
}

export function createAuth(init: AuthInit): Auth {
  const where = `the token is in ${join(init.home, 'token')} (or set WEAVERGEN_TOKEN for the CLI), or a tenant's token from \`weavergen tenant token create\``;
  const challenge = { 'WWW-Authenticate': 'Bearer realm="weavergen"' };
  const limiter = createRateLimiter(init.rateLimit ?? { perMinute: 120, burst: 30 }, 1000);
  const unauthorized = (why: string) =>
    new ApiError(ApiErrorCode.UNAUTHORIZED, `${why}; ${where}`, undefined, challenge);

  // the principal of the request's token, and the tenant it acts in
  const identify = (c: Context): Principal => {
    const header = c.req.header('authorization');
    const named = c.req.header(TENANT_HEADER);
    if (!header) throw unauthorized('missing bearer token: send "Authorization: Bearer <token>"');
    const token = bearerToken(header);
    if (token === undefined) throw unauthorized('malformed Authorization header: expected "Bearer <token>"');
    if (tokenMatches(token, init.token)) {
      const tenant = named ?? DEFAULT_TENANT;
      if (!init.tenants.has(tenant))
        throw new TenancyError(
          { code: TenancyErrorCode.TENANT_NOT_FOUND, tenant },
          `no tenant ${JSON.stringify(tenant)} on this node (the ${TENANT_HEADER} header; see weavergen tenant list)`,
        );
      return { tenant, role: 'admin', name: 'operator', operator: true };
    }
    const p = init.tenants.authenticate(token);
    if (!p) throw unauthorized('wrong bearer token');
    if (named !== undefined && named !== p.tenant)
      throw new TenancyError(
        { code: TenancyErrorCode.FORBIDDEN, tenant: named },
        `this token belongs to tenant ${p.tenant}, not ${named}: leave out the ${TENANT_HEADER} header or use a token of ${named}`,
      );
    return p;
  };

  const needs =
    (role: Role, limited: boolean): MiddlewareHandler =>
    async (c, next) => {
      const p = identify(c);
      if (!permits(p.role, role))
        throw new TenancyError(
          { code: TenancyErrorCode.FORBIDDEN, tenant: p.tenant, role: p.role, needs: role },
          `the token ${JSON.stringify(p.name)} is a ${p.role} of tenant ${p.tenant}; ${c.req.method} ${c.req.path} needs ${role === 'admin' ? 'an' : 'a'} ${role} (an admin makes one: weavergen tenant token create ${p.tenant} <name> --role ${role})`,
        );
      if (limited) {
        // a token that writes faster than its rate waits: the limit is per token (hashed, not
        // kept), keyed on the token itself, not the header, so `bearer`, extra spaces or a
        // trailing space do not open a fresh bucket
        const key = createHash('sha256')
          .update(bearerToken(c.req.header('authorization')) ?? '')
          .digest('hex');
        if (!limiter.take(key)) {
          const retry = Math.max(1, Math.ceil(60 / limiter.limit.perMinute));
          throw new ApiError(
            ApiErrorCode.RATE_LIMITED,
            `too many writes with this token (at most ${limiter.limit.perMinute} a minute, ${limiter.limit.burst} at once); try again in ${retry} s`,
            undefined,
            { 'Retry-After': String(retry) },
          );
        }
      }
      principals.set(c.req.raw, p);
      await next();
    };
  const developer = needs('developer', true);
  const admin = needs('admin', true);
  const viewer = needs('viewer', false);
  const read: MiddlewareHandler = async (c, next) => {
    // The URL's host is the Host header the client sent: a page on another site that resolves its
    // name to 127.0.0.1 (DNS rebinding) carries its own name there, so it does not read for free.
    // A token that is sent is checked even where reads are open, so a wrong one shows at once.
    // Open reads are the default tenant's: another tenant's data always needs its token.
    if (
      init.openReads &&
      !c.req.header('authorization') &&
      (c.req.header(TENANT_HEADER) ?? DEFAULT_TENANT) === DEFAULT_TENANT &&
      urlHostIsLoopback(c.req.url)
    ) {
      principals.set(c.req.raw, ANONYMOUS);
      return next();
    }
    return viewer(c, next);
  };
  return {
    write: developer,
    admin,
    async operator(c, next) {
      const p = identify(c);
      if (!p.operator)
        throw new TenancyError(
          { code: TenancyErrorCode.FORBIDDEN, tenant: p.tenant, role: p.role, needs: 'operator' },
          `managing tenants needs the node operator's token (in ${join(init.home, 'token')}); a tenant's admin manages only its own tokens and settings`,
        );
      principals.set(c.req.raw, p);
      await next();
    },
    async node(c, next) {
      await read(c, async () => {
        const p = principals.get(c.req.raw)!;
        if (!p.operator && p.tenant !== DEFAULT_TENANT)
          throw new TenancyError(
            { code: TenancyErrorCode.FORBIDDEN, tenant: p.tenant, role: p.role, needs: 'operator' },
            `${c.req.path} counts the work of every tenant on this node: the node's operator reads it, not tenant ${p.tenant}`,
          );
        await next();
      });
    },
    read,
  };
}
