import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isWeaverError, type WeaverError } from '../../errors/index.js';
import { ERROR_OUTCOMES, outcomeOf } from '../errors.js';
import type { WeaverNode } from '../node.js';
import { NodeError, NodeErrorCode } from '../node-errors.js';
import { createAuth, isLoopbackHost, principalOf } from './auth.js';
import type { RouteContext } from './context.js';
import { ApiError, ApiErrorCode } from './errors.js';
import { createApiMetrics } from './metrics.js';
import { createRejectionHistory } from './rejection-history.js';
import { createRejections } from './rejections.js';
import { collabRoutes } from './routes/collab.js';
import { eventRoutes } from './routes/events.js';
import { fileRoutes } from './routes/files.js';
import { generateRoutes } from './routes/generate.js';
import { generationRoutes } from './routes/generations.js';
import { healthRoutes } from './routes/health.js';
import { insightRoutes } from './routes/insights.js';
import { learningRoutes } from './routes/learning.js';
import { metricsRoutes } from './routes/metrics.js';
import { openApiRoutes } from './routes/openapi.js';
import { patternRoutes } from './routes/patterns.js';
import { peerRoutes } from './routes/peers.js';
import { predictionRoutes } from './routes/prediction.js';
import { probeRoutes } from './routes/probes.js';
import { registryCheckRoutes } from './routes/registry-check.js';
import { spanRoutes } from './routes/spans.js';
import { taskRoutes } from './routes/tasks.js';
import { tenantRoutes } from './routes/tenants.js';
import { dashboardRoutes } from './ui.js';

export { ApiError, ApiErrorCode } from './errors.js';
export { openApiDocument } from './openapi.js';

export interface ApiComponents {
  node: WeaverNode;
}

export interface ApiInit {
  /** request bodies above this are answered 413 (default node.config.api.bodyLimitBytes, else 1 MiB) */
  bodyLimitBytes?: number;
  /** reads without a token for requests addressed to a loopback host (default true) */
  openReads?: boolean;
  /** interval of SSE keep-alive comments (default 15 s) */
  heartbeatMs?: number;
  /** where unexpected errors go (default console.error) */
  log?: (message: string, error?: unknown) => void;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The node's HTTP API as a Hono app: JSON routes checked with zod, a bearer token on every POST,
 * typed errors as `{error: {code, message, details?}}`, rejections counted by reason in /v1/health,
 * the OpenAPI document and the dashboard. Never throws on bad input: an unexpected error is a 500, logged.
 */
export function createApi(components: ApiComponents, init: ApiInit = {}): Hono {
  const { node } = components;
  const bodyLimitBytes = init.bodyLimitBytes ?? node.config.api?.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const log =
    init.log ??
    ((message: string, error?: unknown) => console.error(`weavergen api: ${message}`, error ?? ''));
  const rejections = createRejections();
  const refusals = createRejectionHistory(() => {
    if (node.health().status !== 'ok') throw new Error('the node is stopping');
    return { requests: rejections.snapshot(), messages: { ...(node.peers().stats?.rejections ?? {}) } };
  });
  const auth = createAuth({
    token: node.token,
    tenants: node.tenancy,
    home: node.config.home,
    openReads: init.openReads ?? true,
    rateLimit: node.config.api?.rateLimit,
  });
  const ctx: RouteContext = {
    node,
    auth,
    log,
    heartbeatMs: init.heartbeatMs ?? 15_000,
    tenant(c) {
      const p = principalOf(c);
      // a route that reads a tenant's data without an auth middleware before it is a bug of ours
      if (!p) throw new Error(`${c.req.method} ${c.req.path}: no auth middleware named the tenant`);
      return node.forTenant(p.tenant);
    },
  };
  const app = new Hono();
  // every request counted by method, route pattern and status class for GET /metrics (by the first
  // middleware below, once answered)
  const metrics = createApiMetrics(node, rejections);

  // every error, the API's own and the parts' alike, answers with the status of node/errors.ts's table
  const respond = (c: Context, err: unknown): Response => {
    let e: WeaverError;
    if (isWeaverError(err)) e = err;
    else if (err instanceof HTTPException && err.status < 500) {
      // Hono's own 4xx (none of our routes throw them): keep the status's meaning where we have a code for it
      const code = Object.values(ApiErrorCode).find((k) => ERROR_OUTCOMES[k].status === err.status);
      e = new ApiError(code ?? ApiErrorCode.INVALID_BODY, err.message || `HTTP ${err.status}`);
    } else e = new ApiError(ApiErrorCode.INTERNAL, (err as Error)?.message ?? String(err));
    // a bug (ours or a part's): logged with its stack, answered without it
    if (outcomeOf(e).status === 500) {
      log(`${c.req.method} ${c.req.path}: unexpected error`, err);
      e = new ApiError(ApiErrorCode.INTERNAL, `internal error (logged by the node): ${e.message}`);
    }
    const {
      headers: own = {},
      details,
      ...meta
    } = e.type as { headers?: Record<string, string>; details?: unknown };
    const { code: _code, ...more } = meta as { code: string; retryAfterS?: number };
    // a refusal that says when to come back (a full queue) says it the HTTP way too
    const headers = more.retryAfterS ? { ...own, 'Retry-After': String(more.retryAfterS) } : own;
    const body = details ?? (Object.keys(more).length ? more : undefined);
    rejections.count(e.code.toLowerCase());
    return c.json(
      { error: { code: e.code, message: e.message, ...(body === undefined ? {} : { details: body }) } },
      outcomeOf(e).status as ContentfulStatusCode,
      headers,
    );
  };

  app.use('*', async (c, next) => {
    // Set before the route answers, so a route that has a Cache-Control of its own replaces this
    // one; set after it, they would turn @hono/node-server's light response into a full Response
    // and write its body through a stream (most of a small read's time). Served over HTTP, they go
    // on Node's response (c.env.outgoing), which writeHead merges with the route's headers, the
    // route's winning; in-process (app.request, the CLI) on the context's headers.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing?.setHeader) {
      outgoing.setHeader('X-Content-Type-Options', 'nosniff');
      outgoing.setHeader('Cache-Control', 'no-store');
    } else {
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Cache-Control', 'no-store');
    }
    await next();
    // a refusal may come before the body is read (auth, route, size): the rest of it cannot be
    // told from the next request, so the client is told not to reuse the connection (RFC 9112 9.6).
    // A refusal after the body was read (a quota's 429, an annotation's 409) keeps it: a client
    // that retries on one connection is not made to connect again each time
    if (c.res.status >= 400 && hasBody(c.req.raw.headers) && !c.req.raw.bodyUsed)
      c.header('Connection', 'close');
    metrics.count(c);
  });
  const limitBody = bodyLimit({
    maxSize: bodyLimitBytes,
    onError: () => {
      throw new ApiError(
        ApiErrorCode.BODY_TOO_LARGE,
        `the body is larger than ${bodyLimitBytes} bytes (the node's api.bodyLimitBytes in weavergen.config.json)`,
        { limitBytes: bodyLimitBytes },
        // the rest of the body is not read: the connection cannot carry another request
        { Connection: 'close' },
      );
    },
  });
  // a stopping node finishes what it has; new work and reads of its closing stores are refused
  // (the paths Hono's '/v1/*' matches, /v1/health aside)
  const refuseWhileStopping = (path: string) => {
    if ((path === '/v1' || path.startsWith('/v1/')) && path !== '/v1/health' && node.health().status !== 'ok')
      throw new ApiError(ApiErrorCode.UNAVAILABLE, 'the node is stopping; try again once it runs');
  };
  // one middleware for both (each level of middleware is an async call more on every request). A
  // GET or HEAD request has no body to limit: its Request's body is null, which bodyLimit would
  // find out only after building the full Request from the light one
  app.use('*', (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      refuseWhileStopping(c.req.path);
      return next();
    }
    return limitBody(c, async () => {
      refuseWhileStopping(c.req.path);
      await next();
    });
  });

  dashboardRoutes(app);
  openApiRoutes(app, { version: node.health().version, bodyLimitBytes });
  healthRoutes(app, ctx, rejections, refusals);
  // GET /livez, /readyz (open to every host) and /metrics (a read, unless api.openMetrics)
  probeRoutes(app, node);
  metricsRoutes(app, ctx, metrics, node.config.api?.openMetrics === true);
  generateRoutes(app, ctx);
  generationRoutes(app, ctx);
  eventRoutes(app, ctx);
  collabRoutes(app, ctx);
  fileRoutes(app, ctx);
  spanRoutes(app, ctx);
  insightRoutes(app, ctx);
  learningRoutes(app, ctx);
  predictionRoutes(app, ctx);
  peerRoutes(app, ctx);
  patternRoutes(app, ctx);
  registryCheckRoutes(app, ctx);
  taskRoutes(app, ctx);
  tenantRoutes(app, ctx);

  app.onError((err, c) => respond(c, err));
  app.notFound((c) => {
    const allowed = methodsFor(app, c.req.path);
    if (allowed.length > 0) {
      return respond(
        c,
        new ApiError(
          ApiErrorCode.METHOD_NOT_ALLOWED,
          `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(', ')}`,
          undefined,
          { Allow: allowed.join(', ') },
        ),
      );
    }
    return respond(
      c,
      new ApiError(
        ApiErrorCode.ROUTE_NOT_FOUND,
        `no route ${c.req.method} ${c.req.path}; see GET /openapi.json`,
      ),
    );
  });
  return app;
}

/** The app's routes as `METHOD /path` (middleware left out), e.g. to compare with the OpenAPI document. */
export function routesOf(app: Hono): { method: string; path: string }[] {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({ method: r.method, path: r.path }))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}

function methodsFor(app: Hono, path: string): string[] {
  const matches = (route: string) =>
    new RegExp(
      `^${route
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/:\w+/g, '[^/]+')
        .replace(/\\\*/g, '.+')}$`,
    ).test(path);
  const methods = new Set(
    routesOf(app)
      .filter((r) => matches(r.path))
      .map((r) => r.method),
  );
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

export interface ApiServerInit extends ApiInit {
  /** default node.config.api.host (127.0.0.1) */
  host?: string;
  /** 0 picks a free port; default node.config.api.port */
  port?: number;
  /** how long close() lets open requests (e.g. event streams) finish before it cuts them (default 2 s) */
  closeGraceMs?: number;
}

export interface ApiServer {
  /** e.g. http://127.0.0.1:4590 */
  url: string;
  host: string;
  /** the port listened on (the real one when 0 was asked) */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves createApi(node) with @hono/node-server. Reads are open only when bound to a loopback
 * address (unless `openReads` says otherwise); binding elsewhere means every route needs the token.
 */
export async function startApiServer(node: WeaverNode, init: ApiServerInit = {}): Promise<ApiServer> {
  const host = init.host ?? node.config.api.host;
  const port = init.port ?? node.config.api.port;
  const app = createApi({ node }, { ...init, openReads: init.openReads ?? isLoopbackHost(host) });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }) as Server;
    s.once('error', (e: NodeJS.ErrnoException) => {
      const why: Record<string, string> = {
        EADDRINUSE: 'is in use (another node?); pick another port (--api-port N, or 0 for a free one)',
        EACCES: 'needs privileges to listen on; pick a port above 1023 (--api-port N, or 0 for a free one)',
        EADDRNOTAVAIL:
          'is not an address of this machine; pick one of its addresses (--api-host, e.g. 127.0.0.1)',
        ENOTFOUND: 'names no host this machine can resolve; give an address (--api-host, e.g. 127.0.0.1)',
        EAI_AGAIN: 'names no host this machine can resolve; give an address (--api-host, e.g. 127.0.0.1)',
      };
      const code = e.code ?? '';
      reject(
        code in why
          ? new NodeError({ code: NodeErrorCode.PORT_IN_USE, host, port }, `${host}:${port} ${why[code]}`)
          : e,
      );
    });
    s.once('listening', () => {
      s.removeAllListeners('error');
      // after listening, a server error (rare: e.g. too many open files) is logged, not a crash
      s.on('error', (e) => (init.log ?? console.error)('api server error', e));
      resolve(s);
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const urlHost =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${actual}`,
    host,
    port: actual,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), init.closeGraceMs ?? 2_000).unref();
      });
      return closing;
    },
  };
}

const hasBody = (h: Headers) =>
  h.has('transfer-encoding') || (h.has('content-length') && h.get('content-length') !== '0');
