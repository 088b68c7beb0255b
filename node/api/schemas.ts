import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { GenerationRequestSchema } from '../jobs/types.js';
import { TEST_PATH, TEST_PATH_RULE } from '../tasks/check.js';
import { ApiError, ApiErrorCode } from './errors.js';

/**
 * What the API accepts, as zod schemas: the routes parse with them and the OpenAPI document is
 * derived from them, so the two cannot drift apart.
 */

/** Paths are read on the node's machine, from the node's working directory: relative ones would surprise. */
const absolute = (field: string) => (value: string | undefined, ctx: z.RefinementCtx) => {
  if (value?.includes('\0'))
    ctx.addIssue({ code: 'custom', path: [field], message: 'must not contain NUL characters' });
  else if (value !== undefined && !isAbsolute(value)) {
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: `must be an absolute path on the node's machine, got ${JSON.stringify(value.slice(0, 200))}`,
    });
  }
};

export const GenerateBodySchema = GenerationRequestSchema.superRefine((r, ctx) => {
  absolute('registry')(r.registry, ctx);
  absolute('out')(r.out, ctx);
});

export const RegistryCheckBodySchema = z
  .object({
    path: z.string().min(1).max(4096).describe("absolute path of a registry folder on the node's machine"),
  })
  .strict()
  .superRefine((r, ctx) => absolute('path')(r.path, ctx));

export const TaskBodySchema = z
  .object({
    description: z.string().min(1).max(8000).describe('what to write, in words'),
    language: z.string().min(1).max(20).describe('typescript (ts), python (py), go, rust (rs) or java'),
    tests: z
      .array(
        z
          .object({
            path: z
              .string()
              .max(200)
              .regex(TEST_PATH, TEST_PATH_RULE)
              .describe('the test file name, relative'),
            content: z
              .string()
              .max(256 * 1024)
              .describe('the test file'),
          })
          .strict(),
      )
      .min(1)
      .max(20)
      .describe('the tests that judge the answers'),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('stop once the best reaches this quality (default 1)'),
    maxRounds: z.number().int().min(1).max(5).optional().describe('rounds at most (default 3)'),
    testTimeoutMs: z.number().int().min(100).max(300_000).optional().describe('per test run (default 10 s)'),
  })
  .strict();

export const PredictionBodySchema = z
  .object({
    enabled: z
      .boolean()
      .describe("predictive pre-generation on or off for the token's tenant (kept across restarts)"),
  })
  .strict();

export const GENERATIONS_MAX_LIMIT = 500;
export const GENERATIONS_DEFAULT_LIMIT = 50;
export const SPANS_MAX_LIMIT = 10_000;
export const SPANS_DEFAULT_LIMIT = 1000;
export const TASKS_MAX_LIMIT = 500;
export const TASKS_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_OUTCOMES = 20_000;
export const HISTORY_DEFAULT_OUTCOMES = 5000;

const wholeNumber = (max: number, fallback: number) => {
  const message = `expected a whole number from 1 to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, message)
    .optional()
    .transform((n) => n ?? fallback);
};

/** epoch milliseconds (digits) or an ISO 8601 date */
export function parseTime(s: string): number | undefined {
  if (/^\d{1,15}$/.test(s)) return Number(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

const time = z.string().transform((s, ctx) => {
  const ms = parseTime(s);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected epoch milliseconds or an ISO 8601 date (e.g. 2025-01-31T12:00:00Z), got ${JSON.stringify(s.slice(0, 80))}`,
    });
    return z.NEVER;
  }
  return ms;
});

export const TRACE_ID = /^[0-9a-f]{32}$/;
export const ID = /^[\w.:-]{1,200}$/;

export const GenerationsQuerySchema = z
  .object({ limit: wholeNumber(GENERATIONS_MAX_LIMIT, GENERATIONS_DEFAULT_LIMIT) })
  .strict();

export const TasksQuerySchema = z
  .object({ limit: wholeNumber(TASKS_MAX_LIMIT, TASKS_DEFAULT_LIMIT) })
  .strict();

export const HistoryQuerySchema = z
  .object({ outcomes: wholeNumber(HISTORY_MAX_OUTCOMES, HISTORY_DEFAULT_OUTCOMES) })
  .strict();

export const CONTEXT_KEY = /^[a-z]+\|[a-z]+\|(xs|s|m|l|xl)\|e[01]t[01]d[01]m[01]$/;

export const ArmsQuerySchema = z
  .object({
    context: z
      .string()
      .regex(
        CONTEXT_KEY,
        'expected a context key, e.g. typescript|builtin|m|e1t0d1m1 (GET /v1/insights lists them)',
      ),
  })
  .strict();

export const SpansQuerySchema = z
  .object({
    trace: z.string().regex(TRACE_ID, 'expected a trace id: 32 lowercase hex digits').optional(),
    generation: z.string().regex(ID, 'expected a generation id').optional(),
    from: time.optional(),
    to: time.optional(),
    name: z.string().min(1).max(200).optional(),
    limit: wholeNumber(SPANS_MAX_LIMIT, SPANS_DEFAULT_LIMIT),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `is after to (${new Date(q.from).toISOString()} > ${new Date(q.to).toISOString()})`,
      });
    }
  });

export const ATTR_PREFIX = 'attr.';

/**
 * `attr.<key>=<value>` filters: true/false are booleans, numerals are numbers, anything else (or a
 * value in double quotes) is a string, because span attributes are compared by type and value.
 */
export function parseAttributeFilters(
  prefixed: Record<string, string>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const bad: { field: string; message: string }[] = [];
  for (const [name, raw] of Object.entries(prefixed)) {
    const key = name.slice(ATTR_PREFIX.length);
    if (!/^[\w.-]{1,200}$/.test(key))
      bad.push({ field: name, message: 'the attribute key must be letters, digits and _.- (at most 200)' });
    else if (raw.length > 1000)
      bad.push({ field: name, message: 'the value is longer than 1000 characters' });
    else if (raw === 'true' || raw === 'false') out[key] = raw === 'true';
    else if (/^-?\d+(\.\d+)?$/.test(raw)) out[key] = Number(raw);
    else if (/^".*"$/.test(raw)) out[key] = raw.slice(1, -1);
    else out[key] = raw;
  }
  if (bad.length) {
    throw new ApiError(ApiErrorCode.INVALID_QUERY, bad.map((b) => `${b.field}: ${b.message}`).join('; '), {
      issues: bad,
    });
  }
  return out;
}
