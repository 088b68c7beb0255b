import { join } from 'node:path';
import type { Hono } from 'hono';
import { z } from 'zod';
import { confinePackFolder } from '../../packs/confine.js';
import { DEFAULT_TENANT } from '../../tenancy/index.js';
import type { RouteContext } from '../context.js';
import { idParam, parseWith, readJson, singleQuery } from '../validate.js';

/** A pack's content id (CIDv1, base32) or name: letters, digits and dashes. */
export const PATTERN_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,199}$/;
export const PATTERNS_MAX_LIMIT = 500;

const absolute = (field: string) => (v: string, ctx: z.RefinementCtx) => {
  if (!v.startsWith('/'))
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: "must be an absolute path on the node's machine",
    });
};

export const PatternsQuerySchema = z
  .object({
    q: z.string().max(200).optional(),
    lang: z
      .string()
      .regex(/^[a-z]{1,20}$/, 'a language: typescript (ts), python (py), go, rust (rs) or java')
      .optional(),
    kind: z.enum(['template', 'prompt']).optional(),
    installed: z.enum(['true', 'false']).optional(),
    limit: z
      .string()
      .regex(/^\d{1,9}$/, `expected a whole number from 1 to ${PATTERNS_MAX_LIMIT}`)
      .transform(Number)
      .refine(
        (n) => n >= 1 && n <= PATTERNS_MAX_LIMIT,
        `expected a whole number from 1 to ${PATTERNS_MAX_LIMIT}`,
      )
      .optional(),
  })
  .strict();

export const PublishBodySchema = z
  .object({
    path: z
      .string()
      .min(1)
      .max(4096)
      .describe(
        "absolute path of a pack folder (pack.yaml and templates/) on the node's machine, inside its working folder or generation.outputRoots",
      ),
  })
  .strict()
  .superRefine((r, ctx) => absolute('path')(r.path, ctx));

export const InstallBodySchema = z
  .object({
    providers: z
      .array(z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{40,60}$/, 'a peer id'))
      .max(8)
      .optional()
      .describe('peer ids to ask first (e.g. the publisher); the DHT is asked too'),
  })
  .strict();

export const RatingBodySchema = z
  .object({
    stars: z.number().int().min(1).max(5).describe('1 (bad) to 5 (excellent)'),
    comment: z.string().max(1000).optional().describe('a few words on why'),
  })
  .strict();

const id = (c: Parameters<typeof idParam>[0]) =>
  idParam(c, 'id', PATTERN_ID, "a pack's content id or name (letters, digits and dashes, at most 200)");

/**
 * Pattern packs: GET /v1/patterns (search: q, lang, kind; installed=true lists the installed ones
 * with their local and network quality), GET /v1/patterns/:id (one, by content id or name),
 * POST /v1/patterns (publish a pack folder on the node's machine), POST /v1/patterns/:id/install,
 * POST /v1/patterns/:id/ratings. Errors through the one table (PACK_* codes: 404 unknown, 422 refused).
 */
export function patternRoutes(app: Hono, { node: root, tenant, auth }: RouteContext): void {
  app.get('/v1/patterns', auth.read, async (c) => {
    const node = await tenant(c);
    const q = parseWith(PatternsQuerySchema, singleQuery(c).query, 'query');
    if (q.installed === 'true') {
      const installed = await node.patterns.list();
      return c.json({ patterns: q.lang ? installed.filter((p) => p.language === q.lang) : installed });
    }
    const patterns = await node.patterns.search({
      ...(q.q ? { text: q.q } : {}),
      ...(q.lang ? { language: q.lang } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return c.json({ patterns });
  });

  app.get('/v1/patterns/:id', auth.read, async (c) => c.json(await (await tenant(c)).patterns.show(id(c))));

  // publishing speaks for the whole node on the network: a tenant's admin only
  app.post('/v1/patterns', auth.admin, async (c) => {
    const node = await tenant(c);
    const { path } = await readJson(c, PublishBodySchema);
    // a tenant other than default publishes only from its own folders
    const folder = await confinePackFolder(
      path,
      node.tenant === DEFAULT_TENANT
        ? { home: root.config.home, roots: [process.cwd(), ...root.config.generation.outputRoots] }
        : {
            home: root.config.home,
            roots: root.tenancy.get(node.tenant).registryRoots,
            own: join(root.config.home, 'tenants', node.tenant),
          },
    );
    const published = await node.patterns.publish(folder);
    c.header('Location', `/v1/patterns/${published.pattern.id}`);
    return c.json(published, 201);
  });

  app.post('/v1/patterns/:id/install', auth.write, async (c) => {
    const node = await tenant(c);
    const wanted = id(c);
    const { providers } = await readJson(c, InstallBodySchema);
    return c.json(await node.patterns.install(wanted, providers ? { providers } : {}));
  });

  app.post('/v1/patterns/:id/ratings', auth.write, async (c) => {
    const node = await tenant(c);
    const wanted = id(c);
    const { stars, comment } = await readJson(c, RatingBodySchema);
    return c.json(await node.patterns.rate(wanted, stars, comment), 201);
  });
}
