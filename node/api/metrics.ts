import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Registry } from 'prom-client';
import type { WeaverNode } from '../node.js';
import type { Rejections } from './rejections.js';

/**
 * The node's Prometheus metrics (GET /metrics), in the text exposition format of prom-client.
 *
 * Requests are counted in a plain map by the first middleware (a few string operations a request);
 * prom-client itself (about 35 ms to load) is imported on the first scrape only, so the CLI's
 * in-process API and nodes nobody scrapes never load it. Every value is read at scrape time by a
 * collect() callback, from the request counts, the API's rejection counters and what the node
 * exposes (health(): cached for 100 ms; peers()). Each API has its own Registry (tests run many
 * nodes in one process); the process metrics (CPU, memory, event loop, GC) describe the process,
 * so they live in one registry of this module's, shared by the APIs of the process, never
 * prom-client's global one.
 */
export interface ApiMetrics {
  /**
   * counts a request by method, route pattern and status class, once it was answered (called by
   * the API's first middleware: a middleware of its own would be one more async step per request)
   */
  count(c: Context): void;
  /** the exposition text and its Content-Type */
  scrape(): Promise<{ contentType: string; text: string }>;
}

/** Methods counted by name; any other (the parser accepts some 30) is counted as OTHER. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Final statuses, exported at 0 before the first generation ends so their series exist. */
const ENDED = ['succeeded', 'failed', 'cancelled'];
/** Prediction counters of health().predictions that only grow. */
const PREDICTION_OUTCOMES = ['predicted', 'used', 'wasted'] as const;

interface RequestCount {
  labels: { method: string; route: string; status_class: string };
  n: number;
}

export function createApiMetrics(node: WeaverNode, rejections: Rejections): ApiMetrics {
  const requests = new Map<string, RequestCount>();
  const patterns = new Map<string, string>();
  let registry: Promise<Registry> | undefined;
  return {
    count(c) {
      const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      // the pattern the request matched (/v1/generations/:id), never its raw path: the label's
      // values are the app's routes; no route (404, 405: only the '*' middleware matched) is one value
      // found once per method and path (a probe's, a listing's) and kept, a few hundred at most
      const seen = `${method} ${c.req.path}`;
      let route = patterns.get(seen);
      if (route === undefined) {
        const routes = matchedRoutes(c);
        const last = routes[routes.length - 1];
        route = !last || last.method === 'ALL' ? 'unmatched' : last.path;
        if (patterns.size < 512) patterns.set(seen, route);
      }
      const statusClass = `${Math.floor(c.res.status / 100)}xx`;
      const key = `${method} ${route} ${statusClass}`;
      const counted = requests.get(key);
      if (counted) counted.n++;
      else requests.set(key, { labels: { method, route, status_class: statusClass }, n: 1 });
    },
    async scrape() {
      if (!registry) {
        const made = buildRegistry(node, rejections, requests);
        // a failed import is tried again on the next scrape
        made.catch(() => {
          if (registry === made) registry = undefined;
        });
        registry = made;
      }
      const r = await registry;
      return { contentType: r.contentType, text: await r.metrics() };
    },
  };
}

let processRegistry: Promise<Registry> | undefined;

/** The process's default metrics, in one registry of this module's, made on the first scrape. */
function processMetrics(): Promise<Registry> {
  processRegistry ??= import('prom-client').then(({ Registry, collectDefaultMetrics }) => {
    const r = new Registry();
    collectDefaultMetrics({ register: r });
    return r;
  });
  return processRegistry;
}

async function buildRegistry(
  node: WeaverNode,
  rejections: Rejections,
  requests: Map<string, RequestCount>,
): Promise<Registry> {
  const { Counter, Gauge, Registry } = await import('prom-client');
  const own = new Registry();
  const registers = [own];
  /** a counter whose values are set from a snapshot of counts at every scrape */
  const counts = (
    name: string,
    help: string,
    label: string,
    read: () => Record<string, number> | undefined,
  ) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [value, n] of Object.entries(read() ?? {})) this.inc({ [label]: value }, n);
      },
    });
  const peers = () => {
    // a stopped network may no longer answer: its series are left out of that scrape
    try {
      return node.peers();
    } catch {
      return undefined;
    }
  };

  new Counter({
    name: 'weavergen_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern (unmatched: no route) and status class',
    labelNames: ['method', 'route', 'status_class'],
    registers,
    collect() {
      this.reset();
      for (const { labels, n } of requests.values()) this.inc(labels, n);
    },
  });
  counts(
    'weavergen_api_rejections_total',
    'API requests refused, by reason (the lowercase error code, as /v1/health `rejected`)',
    'reason',
    () => rejections.snapshot(),
  );
  counts(
    'weavergen_network_rejections_total',
    'network messages not accepted, by `<channel>:<verdict>` (e.g. digests:reject:malformed)',
    'reason',
    () => peers()?.stats?.rejections,
  );
  counts(
    'weavergen_generations_total',
    'generations that ended in this process, by final status',
    'status',
    () => ({
      ...Object.fromEntries(ENDED.map((s) => [s, 0])),
      ...node.health().generations.ended,
    }),
  );
  counts(
    'weavergen_predictions_total',
    'predictive pre-generation: generations run ahead (predicted), used by a later request, wasted',
    'outcome',
    () => {
      const p = node.health().predictions;
      return Object.fromEntries(PREDICTION_OUTCOMES.map((o) => [o, p[o]]));
    },
  );
  new Gauge({
    name: 'weavergen_generations_in_flight',
    help: 'generations queued or running',
    registers,
    collect() {
      this.set(node.health().generations.inFlight);
    },
  });
  new Gauge({
    name: 'weavergen_tasks_in_flight',
    help: 'free-form tasks queued or running',
    registers,
    collect() {
      this.set(node.health().tasks.inFlight);
    },
  });
  new Counter({
    name: 'weavergen_spans_stored_total',
    help: "spans written to the node's span store",
    registers,
    collect() {
      this.reset();
      this.inc(node.health().spans.exported);
    },
  });
  new Counter({
    name: 'weavergen_spans_store_failures_total',
    help: "span writes to the node's span store that failed",
    registers,
    collect() {
      this.reset();
      this.inc(node.health().spans.failed);
    },
  });
  new Gauge({
    name: 'weavergen_peers_connected',
    help: 'peers with an open connection (0 with the network off)',
    registers,
    collect() {
      this.set(peers()?.peers.filter((p) => p.connected).length ?? 0);
    },
  });
  new Gauge({
    name: 'weavergen_node_ready',
    help: '1 while the node takes work, 0 while it is stopping (as GET /readyz)',
    registers,
    collect() {
      this.set(node.health().status === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'weavergen_node_info',
    help: "the node's version (always 1)",
    labelNames: ['version'],
    registers,
    collect() {
      this.reset();
      this.set({ version: node.health().version }, 1);
    },
  });
  return Registry.merge([await processMetrics(), own]);
}
