import { fromZod, jsonContent, ref, type Schema } from './openapi-components.js';
import {
  InstallBodySchema,
  PATTERNS_MAX_LIMIT,
  PublishBodySchema,
  RatingBodySchema,
} from './routes/patterns.js';

/** Pattern packs: what a search, a show, a publish, an install and a rating answer. */
const PATTERN_SUMMARY: Schema = {
  type: 'object',
  required: ['id', 'name', 'version', 'language', 'verified', 'installed', 'sources'],
  properties: {
    id: { type: 'string', description: 'the content id (CIDv1, sha-256 of the pack in its one format)' },
    name: { type: 'string' },
    version: { type: 'string' },
    language: { type: 'string' },
    kind: { type: 'string', description: "template | prompt; '' while known only from an announcement" },
    description: { type: 'string' },
    license: { type: 'string' },
    params: { type: 'array', items: { type: 'string' } },
    sources: { type: 'array', items: { enum: ['builtin', 'installed', 'announced'] } },
    publishers: { type: 'array', items: { type: 'string' }, description: 'peer ids that announced it' },
    verified: {
      type: 'boolean',
      description: 'its content was checked here; otherwise only its signed announcement is known',
    },
    installed: { type: 'boolean' },
    published: { type: 'boolean', description: 'published by this node' },
    local: {
      type: 'object',
      description: "this node's outcomes with the pack's arms: n and mean quality",
      properties: { n: { type: 'number' }, meanQ: { type: 'number' } },
    },
    network: {
      type: 'object',
      description: "the marketplace's rating from peers' digests",
      properties: {
        score: { type: 'number' },
        mean: { type: 'number' },
        n: { type: 'number' },
        peers: { type: 'integer' },
      },
    },
    rating: {
      type: 'object',
      description: "this node's own signed rating",
      properties: { stars: { type: 'integer' }, comment: { type: 'string' }, at: { type: 'integer' } },
    },
  },
};

const PACK_CHECK: Schema = {
  type: 'object',
  description: 'the render of every variant on the example registry and the compile of the default one',
  properties: {
    variants: { type: 'integer' },
    files: { type: 'integer' },
    chars: { type: 'integer' },
    compile: {
      type: 'object',
      properties: { status: { type: 'string' }, tool: { type: 'string' }, reason: { type: 'string' } },
    },
    quality: { type: 'number' },
    notes: { type: 'array', items: { type: 'string' } },
  },
};

export const PATTERN_COMPONENTS: Record<string, Schema> = {
  PatternSummary: PATTERN_SUMMARY,
  PatternDetail: {
    allOf: [
      ref('PatternSummary'),
      {
        type: 'object',
        properties: {
          templates: { type: 'array', items: { type: 'string' } },
          paramSpecs: { type: 'object', additionalProperties: { type: 'object' } },
          check: PACK_CHECK,
          note: { type: 'string' },
        },
      },
    ],
  },
  PackCheck: PACK_CHECK,
  PublishRequest: fromZod(PublishBodySchema),
  RatingRequest: fromZod(RatingBodySchema),
  InstallRequest: fromZod(InstallBodySchema),
};

const patternId = {
  name: 'id',
  in: 'path',
  required: true,
  description: "a pack's content id, or its name (the installed or best-known pack of that name)",
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,199}$' },
};

/** What the pattern paths share with the rest of the document (openapi.ts). */
export interface PathHelpers {
  body(name: string): Schema;
  read(summary: string, ok: Schema, more?: Schema, errs?: number[]): Schema;
  errors(...statuses: number[]): Record<string, unknown>;
  write: Schema[];
}

/** The pattern routes of the OpenAPI document (routes/patterns.ts). */
export function patternPaths({ body, read, errors, write }: PathHelpers): Record<string, unknown> {
  const q = (name: string, description: string, schema: Schema) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema,
  });
  return {
    '/v1/patterns': {
      get: read(
        'search the pattern packs this node knows (built-in, installed, announced by peers), best rated first; installed=true lists the installed ones with their local and network quality',
        { type: 'object', properties: { patterns: { type: 'array', items: ref('PatternSummary') } } },
        {
          parameters: [
            q('q', 'words that must all appear in the name, description or language', {
              type: 'string',
              maxLength: 200,
            }),
            q('lang', 'typescript (ts), python (py), go, rust (rs) or java', {
              type: 'string',
              pattern: '^[a-z]{1,20}$',
            }),
            q('kind', 'template or prompt (a pack known only from its announcement matches either)', {
              enum: ['template', 'prompt'],
            }),
            q('installed', 'true: only the installed packs', { enum: ['true', 'false'] }),
            q('limit', `at most this many (1 to ${PATTERNS_MAX_LIMIT}, default 50)`, {
              type: 'integer',
              minimum: 1,
              maximum: PATTERNS_MAX_LIMIT,
            }),
          ],
        },
        [400],
      ),
      post: {
        summary:
          "publish a pack folder on the node's machine: validate the manifest and templates, render every variant on the example registry and compile the result, compute the content id, sign it with the node's peer key, keep it (it becomes an arm here), announce it and provide it",
        security: write,
        requestBody: body('PublishRequest'),
        responses: {
          '201': {
            description:
              'published (announced: false when the network is off; it is announced at the next start)',
            headers: { Location: { schema: { type: 'string' }, description: 'the pack' } },
            content: jsonContent({
              type: 'object',
              properties: {
                pattern: ref('PatternSummary'),
                announced: { type: 'boolean' },
                recipients: { type: 'integer' },
                announcement: { type: 'object', description: 'the signed announcement' },
                check: ref('PackCheck'),
                note: { type: 'string' },
              },
            }),
          },
          ...errors(400, 401, 404, 413, 415, 422, 500, 503),
        },
      },
    },
    '/v1/patterns/{id}': {
      get: read(
        'one pack: what it is, who announced it, its params and templates when held, how its checks went; a pack known only from its announcement is fetched to verify it',
        ref('PatternDetail'),
        { parameters: [patternId] },
        [400, 404],
      ),
    },
    '/v1/patterns/{id}/install': {
      post: {
        summary:
          'install a pack: fetch it from its providers over the network, verify its content id and signature, render and compile it in the sandbox; then it is an arm of this node',
        security: write,
        parameters: [patternId],
        requestBody: body('InstallRequest'),
        responses: {
          '200': {
            description: 'installed (already: true when it was installed or built in)',
            content: jsonContent({
              type: 'object',
              properties: {
                pattern: ref('PatternSummary'),
                already: { type: 'boolean' },
                from: { type: 'string' },
                check: ref('PackCheck'),
              },
            }),
          },
          ...errors(400, 401, 404, 413, 415, 422, 500, 502, 503),
        },
      },
    },
    '/v1/patterns/{id}/ratings': {
      post: {
        summary:
          "rate a pack 1 to 5: signed with the node's peer key and kept in its home (shown by show and list; not gossiped)",
        security: write,
        parameters: [patternId],
        requestBody: body('RatingRequest'),
        responses: {
          '201': {
            description: 'the signed rating',
            content: jsonContent({
              type: 'object',
              properties: {
                pattern: ref('PatternSummary'),
                rating: { type: 'object' },
                note: { type: 'string' },
              },
            }),
          },
          ...errors(400, 401, 404, 413, 415, 500, 503),
        },
      },
    },
  };
}
