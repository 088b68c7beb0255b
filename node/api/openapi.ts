import { COLLAB_COMPONENTS, collabPaths } from './openapi-collab.js';
import { COMPONENTS, jsonContent, ref, type Schema } from './openapi-components.js';
import { PATTERN_COMPONENTS, patternPaths } from './openapi-patterns.js';
import { PREDICTION_COMPONENTS, predictionPaths } from './openapi-prediction.js';
import { TENANT_COMPONENTS, tenantPaths } from './openapi-tenants.js';
import {
  GENERATIONS_DEFAULT_LIMIT,
  GENERATIONS_MAX_LIMIT,
  HISTORY_DEFAULT_OUTCOMES,
  HISTORY_MAX_OUTCOMES,
  SPANS_DEFAULT_LIMIT,
  SPANS_MAX_LIMIT,
  TASKS_DEFAULT_LIMIT,
  TASKS_MAX_LIMIT,
} from './schemas.js';

/**
 * The OpenAPI 3.1 document served at GET /openapi.json. Request bodies come from the zod schemas
 * the routes parse with; responses are written out here. A test compares its paths with the routes
 * the app serves, so a route added without documentation fails the build.
 */
export interface OpenApiInit {
  version: string;
  bodyLimitBytes: number;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'bad input: malformed JSON, a field or query parameter that is wrong (the message names each, as `field: message`)',
  401: 'missing or wrong bearer token (the message says where the token is)',
  403: "the token's role or tenant does not allow this (TENANCY_FORBIDDEN: the message names the role needed), or a path outside the tenant's folders (TENANCY_PATH_OUTSIDE)",
  404: 'unknown id (or a file the generation did not write; for packs: no pack of that id or name is known, or no peer provides it)',
  410: 'the file was removed or replaced since the generation wrote it',
  413: 'the body is larger than api.bodyLimitBytes',
  415: 'the body is not application/json',
  409: 'no chat model is configured or reachable for a task (WEAVERGEN_MODELS)',
  422: 'the registry folder could not be read as a registry, or a pack is not valid or was refused by its checks (PACK_REFUSED: bad bytes or signature, a render that fails or runs past its budget, an output path leaving the folder, prototype access, output that does not compile)',
  502: 'a peer answered with something that is not the pack',
  429: "too many writes with this token, the queue is full, or a quota of the token's tenant is used up (TENANCY_QUOTA_EXCEEDED): the Retry-After header says when to try again",
  500: 'unexpected error (logged by the node)',
  503: 'the node is stopping, or the network is off (pack install needs a node running with the network on) or no provider answered',
};

function errors(...statuses: number[]): Record<string, unknown> {
  return Object.fromEntries(
    statuses.map((s) => [String(s), { description: ERROR_TEXT[s], content: jsonContent(ref('Error')) }]),
  );
}

const idParam = (description: string, pattern?: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', ...(pattern ? { pattern } : { pattern: '^[\\w.:-]{1,200}$' }) },
});

const limitParam = (max: number, fallback: number, name = 'limit', what = 'at most this many') => ({
  name,
  in: 'query',
  required: false,
  description: `${what} (1 to ${max}, default ${fallback})`,
  schema: { type: 'integer', minimum: 1, maximum: max, default: fallback },
});

const timeParam = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  description: `${description}: epoch milliseconds or an ISO 8601 date`,
  schema: {
    oneOf: [
      { type: 'integer', minimum: 0 },
      { type: 'string', format: 'date-time' },
    ],
  },
});

/** Reads are open to requests addressed to a loopback host; a token, when sent, must be right. */
const READ_SECURITY = [{}, { bearerAuth: [] }];

/** A POST that may be retried safely: the same key and body answer the first request's id. */
const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    "a key of your own (e.g. a UUID; letters, digits, _.:-, at most 200): a retry with the same key and body gets the first request's id (header Idempotent-Replayed: true) instead of running twice; the same key with another body is 409. Kept 24 h.",
  schema: { type: 'string', pattern: '^[\\w.:-]{1,200}$' },
};
const WRITE_SECURITY = [{ bearerAuth: [] }];

const read = (summary: string, ok: Schema, more: Schema = {}, errs: number[] = []) => ({
  summary,
  security: READ_SECURITY,
  ...more,
  responses: { '200': { description: 'OK', content: jsonContent(ok) }, ...errors(...errs, 401, 500, 503) },
});

export function openApiDocument(init: OpenApiInit): Record<string, unknown> {
  const body = (name: string) => ({
    required: true,
    description: `JSON, at most ${init.bodyLimitBytes} bytes`,
    content: jsonContent(ref(name)),
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'WeaverGen node API',
      version: init.version,
      description:
        'Generates code from OpenTelemetry semantic-convention registries, validates it and learns from its spans. ' +
        'POST routes need `Authorization: Bearer <token>` (the token is in <home>/token); reads are open on loopback.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            "the node operator's token in <home>/token (WEAVERGEN_TOKEN for the CLI; it acts in the tenant named by the X-WeaverGen-Tenant header, default `default`), or a tenant's token (weavergen tenant token create) with its role: viewer reads, developer generates, runs tasks, rates, installs and annotates, admin manages the tenant's tokens and quotas and publishes",
        },
      },
      schemas: {
        ...COMPONENTS,
        ...PATTERN_COMPONENTS,
        ...COLLAB_COMPONENTS,
        ...TENANT_COMPONENTS,
        ...PREDICTION_COMPONENTS,
      },
    },
    paths: {
      '/': {
        get: {
          summary:
            'the dashboard (pages #/ generations, #/generations/<id>, #/learning, #/network, #/tasks, #/tasks/<id>), reading the routes below',
          security: [{}],
          responses: {
            '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } },
          },
        },
      },
      '/ui/{path}': {
        get: {
          summary:
            "the dashboard's files (ui/ of the package) and its libraries from the node's own dependencies (ui/vendor/: uPlot, Mermaid)",
          security: [{}],
          parameters: [
            {
              name: 'path',
              in: 'path',
              required: true,
              schema: { type: 'string' },
              description: 'e.g. app.js',
            },
          ],
          responses: {
            '200': { description: 'the file (JavaScript, CSS, SVG or HTML)' },
            ...errors(404),
          },
        },
      },
      '/favicon.ico': {
        get: {
          summary: "the dashboard's icon (SVG)",
          security: [{}],
          responses: {
            '200': { description: 'SVG', content: { 'image/svg+xml': { schema: { type: 'string' } } } },
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'this document',
          security: [{}],
          responses: { '200': { description: 'OpenAPI 3.1', content: jsonContent({ type: 'object' }) } },
        },
      },
      '/livez': {
        get: {
          summary:
            'liveness probe (load balancers, Kubernetes): 200 while the process serves, stopping included; open to every host, says nothing else',
          security: [{}],
          responses: { '200': { description: 'serving', content: jsonContent(ref('Probe')) } },
        },
      },
      '/readyz': {
        get: {
          summary:
            'readiness probe: 200 while the node takes work, 503 while it is stopping; open to every host, says nothing else (the counters are in /v1/health)',
          security: [{}],
          responses: {
            '200': { description: 'ready', content: jsonContent(ref('Probe')) },
            '503': { description: 'stopping', content: jsonContent(ref('Probe')) },
          },
        },
      },
      '/metrics': {
        get: {
          summary:
            'Prometheus metrics (text exposition format 0.0.4): requests by method, route and status class, rejections by reason (API and network), generations by final status, in flight, spans stored, peers connected, process metrics. A read (open on loopback, else the token) unless the node sets api.openMetrics',
          security: READ_SECURITY,
          responses: {
            '200': {
              description: 'the metrics',
              content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
            },
            ...errors(401, 500),
          },
        },
      },
      '/v1/health': {
        get: {
          ...read('node health and rejected requests by reason', ref('Health')),
          responses: {
            '200': { description: 'running', content: jsonContent(ref('Health')) },
            '503': { description: 'stopping', content: jsonContent(ref('Health')) },
            ...errors(401, 500),
          },
        },
      },
      '/v1/generate': {
        post: {
          summary: 'start a generation',
          security: WRITE_SECURITY,
          parameters: [IDEMPOTENCY_KEY],
          requestBody: body('GenerationRequest'),
          responses: {
            '202': {
              description: 'queued; follow links.events for progress',
              headers: { Location: { schema: { type: 'string' }, description: 'the generation' } },
              content: jsonContent(ref('Accepted')),
            },
            ...errors(400, 401, 409, 413, 415, 429, 500, 503),
          },
        },
      },
      '/v1/generations': {
        get: read(
          'recent generations, newest first',
          { type: 'object', properties: { generations: { type: 'array', items: ref('GenerationRecord') } } },
          { parameters: [limitParam(GENERATIONS_MAX_LIMIT, GENERATIONS_DEFAULT_LIMIT)] },
          [400],
        ),
      },
      '/v1/generations/{id}': {
        get: read(
          'one generation',
          ref('GenerationRecord'),
          { parameters: [idParam('generation id')] },
          [400, 404],
        ),
      },
      '/v1/generations/{id}/events': {
        get: {
          summary:
            'live progress as server-sent events: `status`, `progress`, then `result` and the end of the stream (a finished generation: `result` at once)',
          security: READ_SECURITY,
          parameters: [idParam('generation id')],
          responses: {
            '200': {
              description: "event stream; each event's data is a GenerationEvent",
              content: { 'text/event-stream': { schema: ref('GenerationEvent') } },
            },
            ...errors(400, 401, 404, 500, 503),
          },
        },
      },
      '/v1/generations/{id}/decisions': {
        get: read(
          'the decisions of a generation with their reasons and evidence span ids',
          {
            type: 'object',
            properties: {
              generationId: { type: 'string' },
              decisions: { type: 'array', items: ref('DecisionRecord') },
            },
          },
          { parameters: [idParam('generation id')] },
          [400, 404],
        ),
      },
      '/v1/generations/{id}/chain': {
        get: read(
          'the decision chain of a generation or a task: every step with its choice, reason and evidence, as text and as a Mermaid flowchart',
          {
            type: 'object',
            properties: {
              generationId: { type: 'string' },
              decisions: { type: 'array', items: ref('DecisionRecord') },
              text: { type: 'string' },
              mermaid: { type: 'string' },
            },
          },
          { parameters: [idParam('generation id')] },
          [400, 404],
        ),
      },
      '/v1/generations/{id}/files': {
        get: read(
          'the files a generation wrote, as `<language>/<path>` with their size and the URL that returns each',
          {
            type: 'object',
            properties: {
              generationId: { type: 'string' },
              out: { type: 'string', description: "the output root on the node's machine" },
              files: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    path: { type: 'string' },
                    language: { type: 'string' },
                    bytes: { type: 'integer' },
                    url: { type: 'string' },
                  },
                },
              },
            },
          },
          { parameters: [idParam('generation id')] },
          [400, 404],
        ),
      },
      '/v1/generations/{id}/files/{path}': {
        get: {
          summary:
            'one file a generation wrote, as text; only paths its file list names (`<language>/<path>`, slashes kept)',
          security: READ_SECURITY,
          parameters: [
            idParam('generation id'),
            {
              name: 'path',
              in: 'path',
              required: true,
              description: 'a path from the file list, e.g. typescript/index.ts',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': { description: 'the file', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...errors(400, 401, 404, 410, 500, 503),
          },
        },
      },
      '/v1/tasks': {
        get: read(
          'the newest tasks, newest first (each without the request it was started with)',
          {
            type: 'object',
            required: ['tasks'],
            properties: { tasks: { type: 'array', items: ref('TaskRecord') } },
          },
          { parameters: [limitParam(TASKS_MAX_LIMIT, TASKS_DEFAULT_LIMIT)] },
          [400],
        ),
        post: {
          summary:
            'start a free-form task: the configured chat models write the code, the given tests judge it, failing tests are fed back; answers at once, the task runs in the background',
          security: WRITE_SECURITY,
          parameters: [IDEMPOTENCY_KEY],
          requestBody: body('TaskRequest'),
          responses: {
            '202': {
              description:
                'stored and queued; poll links.self until its status is succeeded, failed or cancelled',
              headers: { Location: { schema: { type: 'string' }, description: 'the task' } },
              content: jsonContent(ref('TaskAccepted')),
            },
            ...errors(400, 401, 409, 413, 415, 429, 500, 503),
          },
        },
      },
      '/v1/tasks/{id}': {
        get: read(
          'a task and what came of it',
          ref('TaskRecord'),
          { parameters: [idParam('task id')] },
          [400, 404],
        ),
      },
      '/v1/spans': {
        get: read(
          'stored spans, filtered',
          {
            type: 'object',
            properties: {
              spans: { type: 'array', items: ref('SpanRecord') },
              count: { type: 'integer' },
              limit: { type: 'integer' },
            },
          },
          {
            parameters: [
              {
                name: 'trace',
                in: 'query',
                required: false,
                description: 'trace id',
                schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
              },
              {
                name: 'generation',
                in: 'query',
                required: false,
                description: 'generation id',
                schema: { type: 'string' },
              },
              timeParam('from', 'spans starting at or after'),
              timeParam('to', 'spans starting at or before (not before `from`)'),
              {
                name: 'name',
                in: 'query',
                required: false,
                description: 'span name, e.g. weavergen.candidate',
                schema: { type: 'string' },
              },
              {
                name: 'attr',
                in: 'query',
                required: false,
                style: 'deepObject',
                explode: true,
                description:
                  'attribute equality as attr.<key>=<value>: true/false are booleans, numerals numbers, anything else (or "quoted") a string',
                schema: { type: 'object', additionalProperties: { type: 'string' } },
              },
              limitParam(SPANS_MAX_LIMIT, SPANS_DEFAULT_LIMIT),
            ],
          },
          [400],
        ),
      },
      '/v1/traces/{id}': {
        get: read(
          'every span of one trace, by start time',
          {
            type: 'object',
            properties: { traceId: { type: 'string' }, spans: { type: 'array', items: ref('SpanRecord') } },
          },
          { parameters: [idParam('trace id', '^[0-9a-f]{32}$')] },
          [400, 404],
        ),
      },
      '/v1/peers': {
        get: read(
          'this node on the network: peer id, addresses, what it shares, peers (gossipsub score, digests received, messages rejected by reason), counters and privacy accounting',
          {
            type: 'object',
            required: ['addresses', 'listen', 'peers', 'share'],
            properties: {
              peerId: { type: 'string' },
              addresses: {
                type: 'array',
                items: { type: 'string' },
                description: 'what peers are told, with /p2p/<peer id>',
              },
              listen: {
                type: 'array',
                items: { type: 'string' },
                description: 'the configured listen addresses',
              },
              peers: { type: 'array', items: { type: 'object' } },
              stats: {
                type: 'object',
                description:
                  'network counters; `privacy`: epsilon, delta, k, spent over the last year, remaining',
              },
              share: {
                type: 'object',
                required: ['mode', 'publishes', 'receives', 'description'],
                properties: {
                  mode: {
                    type: 'string',
                    description: 'network.share: off | receive-only | contexts:<list> | all',
                  },
                  publishes: { type: 'boolean' },
                  receives: { type: 'boolean' },
                  description: { type: 'string' },
                  publicPacks: { type: 'integer' },
                  publicModels: { type: 'array', items: { type: 'string' } },
                  epochMs: { type: 'integer' },
                },
              },
              notice: {
                type: 'string',
                description:
                  'set when no address is announced (a wildcard listen address without network.announce)',
              },
            },
          },
        ),
      },
      ...patternPaths({ body, read, errors, write: WRITE_SECURITY }),
      ...collabPaths({ body, read, errors, write: WRITE_SECURITY }),
      ...tenantPaths({ body, read, errors, write: WRITE_SECURITY }),
      ...predictionPaths({ body, read, errors, write: WRITE_SECURITY }),
      '/v1/rejections': {
        get: read(
          'refused requests (by error code) and network messages (by reason) over time: the counters sampled every minute when they changed (a day kept), the last sample now',
          {
            type: 'object',
            required: ['samples'],
            properties: {
              samples: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    at: { type: 'number' },
                    requests: { type: 'object', additionalProperties: { type: 'integer' } },
                    messages: { type: 'object', additionalProperties: { type: 'integer' } },
                  },
                },
              },
            },
          },
        ),
      },
      '/v1/learning/history': {
        get: read(
          'learning over time: per context the quality each generation delivered (its best candidate), per model arm what its candidates cost, oldest first',
          {
            type: 'object',
            required: ['outcomes', 'contexts', 'models'],
            properties: {
              outcomes: { type: 'integer', description: 'outcomes read (the newest ones)' },
              contexts: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    contextKey: { type: 'string' },
                    points: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          at: { type: 'number' },
                          generationId: { type: 'string' },
                          q: { type: 'number' },
                          candidates: { type: 'integer' },
                        },
                      },
                    },
                  },
                },
              },
              models: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    model: { type: 'string' },
                    points: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          at: { type: 'number' },
                          generationId: { type: 'string' },
                          candidates: { type: 'integer' },
                          costUsd: { type: 'number' },
                          inputTokens: { type: 'integer' },
                          outputTokens: { type: 'integer' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          {
            parameters: [
              limitParam(
                HISTORY_MAX_OUTCOMES,
                HISTORY_DEFAULT_OUTCOMES,
                'outcomes',
                'the newest outcomes to read',
              ),
            ],
          },
          [400],
        ),
      },
      '/v1/learning/arms': {
        get: read(
          'every arm tried in a context with the posterior mean and sd of its quality (local outcomes), best mean first',
          {
            type: 'object',
            required: ['context', 'arms'],
            properties: {
              context: { type: 'string' },
              arms: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    armKey: { type: 'string' },
                    packName: { type: 'string' },
                    params: { type: 'object', additionalProperties: { type: 'string' } },
                    model: { type: 'string' },
                    n: { type: 'integer' },
                    mean: { type: 'number' },
                    sd: { type: 'number' },
                    successes: { type: 'integer' },
                    compileFailures: { type: 'integer' },
                    costUsd: {
                      type: 'number',
                      description: 'per candidate, when its outcomes carried a cost',
                    },
                    qualityPerUsd: {
                      type: 'number',
                      description: 'observed mean q per USD of one candidate, when it cost something',
                    },
                  },
                },
              },
            },
          },
          {
            parameters: [
              {
                name: 'context',
                in: 'query',
                required: true,
                description:
                  'a context key, e.g. typescript|builtin|m|e1t0d1m1 (GET /v1/insights lists them)',
                schema: { type: 'string' },
              },
            ],
          },
          [400],
        ),
      },
      '/v1/insights': {
        get: read('what learning found: best arms per context, rules, correlations', ref('Insights')),
      },
      '/v1/registry/check': {
        post: {
          summary: "load and check a registry folder on the node's machine",
          security: WRITE_SECURITY,
          requestBody: body('RegistryCheckRequest'),
          responses: {
            '200': {
              description: 'the diagnostics (ok is false when there are errors)',
              content: jsonContent(ref('RegistryCheckResult')),
            },
            ...errors(400, 401, 413, 415, 422, 500, 503),
          },
        },
      },
    },
  };
}
