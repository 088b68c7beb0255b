import { createHash, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { createRateLimiter, type RateLimit } from '../network/rate-limit.js';
import { ApiError, ApiErrorCode } from './errors.js';

export interface AuthInit {
  token: string;
  /** writes per token (sustained per minute, burst); past it 429 with Retry-After */
  rateLimit?: RateLimit;
  /** the node's home, named in the 401 message so the caller knows where the token is */
  home: string;
  /** reads without a token, for requests addressed to a loopback host name */
  openReads: boolean;
}

export interface Auth {
  /** for mutating routes: always needs the token */
  write: MiddlewareHandler;
  /** for reads: open on loopback when `openReads` (a token sent anyway must be right), else needs the token */
  read: MiddlewareHandler;
}

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

export function createAuth(init: AuthInit): Auth {
  const where = `the token is in ${join(init.home, 'token')} (or set WEAVERGEN_TOKEN for the CLI)`;
  const challenge = { 'WWW-Authenticate': 'Bearer realm="weavergen"' };
  const limiter = createRateLimiter(init.rateLimit ?? { perMinute: 120, burst: 30 }, 1000);
  const check: MiddlewareHandler = async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      throw new ApiError(
        ApiErrorCode.UNAUTHORIZED,
        `missing bearer token: send "Authorization: Bearer <token>"; ${where}`,
        undefined,
        challenge,
      );
    }
    const m = /^Bearer +([^\s]+) *$/i.exec(header);
    if (!m) {
      throw new ApiError(
        ApiErrorCode.UNAUTHORIZED,
        `malformed Authorization header: expected "Bearer <token>"; ${where}`,
        undefined,
        challenge,
      );
    }
    if (!tokenMatches(m[1], init.token)) {
      throw new ApiError(ApiErrorCode.UNAUTHORIZED, `wrong bearer token; ${where}`, undefined, challenge);
    }
    await next();
  };
  return {
    async write(c, next) {
      await check(c, async () => {
        // a token that writes faster than its rate waits: the limit is per token (hashed, not kept)
        const key = createHash('sha256')
          .update(c.req.header('authorization') ?? '')
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
        await next();
      });
    },
    async read(c, next) {
      // The URL's host is the Host header the client sent: a page on another site that resolves its
      // name to 127.0.0.1 (DNS rebinding) carries its own name there, so it does not read for free.
      // A token that is sent is checked even where reads are open, so a wrong one shows at once.
      if (init.openReads && !c.req.header('authorization') && urlHostIsLoopback(c.req.url)) return next();
      return check(c, next);
    },
  };
}
