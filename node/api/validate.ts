import { stat } from 'node:fs/promises';
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, ApiErrorCode } from './errors.js';

export interface FieldIssue {
  field: string;
  message: string;
}

type Kind = 'body' | 'query';

/**
 * zod issues as `field: message`: paths joined with dots, missing fields called required, unknown
 * keys named with the allowed ones (the schema is strict, so a typo is an error, not a silent no-op).
 */
export function issuesOf(error: z.ZodError, kind: Kind, schema?: z.ZodType): FieldIssue[] {
  const out: FieldIssue[] = [];
  const allowed =
    schema && 'shape' in schema ? Object.keys((schema as unknown as { shape: object }).shape) : undefined;
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const what = kind === 'query' ? 'unknown query parameter' : 'unknown field';
      const hint = path.length === 0 && allowed ? ` (allowed: ${allowed.join(', ')})` : '';
      for (const key of issue.keys) out.push({ field: [...path, key].join('.'), message: `${what}${hint}` });
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined$/.test(message))
      message = `required (expected ${issue.expected})`;
    out.push({ field: path.length ? path.join('.') : kind, message });
  }
  return out;
}

/** Parses `value` with `schema` or throws INVALID_BODY / INVALID_QUERY listing every issue. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, kind: Kind): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = issuesOf(r.error, kind, schema);
  const code = kind === 'query' ? ApiErrorCode.INVALID_QUERY : ApiErrorCode.INVALID_BODY;
  throw new ApiError(code, issues.map((i) => `${i.field}: ${i.message}`).join('; '), { issues });
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

/** The request's JSON body checked against `schema`: 415 for another content type, 400 for bad JSON or bad fields. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header('content-type');
  if (!type || !JSON_TYPE.test(type.trim())) {
    throw new ApiError(
      ApiErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `expected Content-Type: application/json, got ${type ? JSON.stringify(type) : 'no Content-Type'}`,
    );
  }
  let text: string;
  try {
    text = await c.req.text();
  } catch (e) {
    // the client went away (or stopped sending) before its body arrived: its doing, not a bug
    throw new ApiError(
      ApiErrorCode.BODY_ABORTED,
      `the body did not arrive whole: ${(e as Error)?.message ?? String(e)}`,
    );
  }
  if (!text.trim())
    throw new ApiError(ApiErrorCode.MALFORMED_JSON, 'the body is empty: expected a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ApiError(ApiErrorCode.MALFORMED_JSON, `the body is not valid JSON: ${(e as Error).message}`);
  }
  return parseWith(schema, value, 'body');
}

/**
 * The query as one value per name; a name given twice is an error (which one would win is a guess).
 * Names starting with one of `prefixes` are returned apart, e.g. `attr.` for attribute filters.
 */
export function singleQuery(
  c: Context,
  prefixes: string[] = [],
): { query: Record<string, string>; prefixed: Record<string, string> } {
  const query: Record<string, string> = {};
  const prefixed: Record<string, string> = {};
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (values.length > 1)
      throw new ApiError(ApiErrorCode.INVALID_QUERY, `${name}: given ${values.length} times; give it once`);
    if (prefixes.some((p) => name.startsWith(p))) prefixed[name] = values[0];
    else query[name] = values[0];
  }
  return { query, prefixed };
}

const PARAM = /^[\w.:-]{1,200}$/;

/** The `Idempotency-Key` header, when sent: letters, digits and `_.:-`, at most 200. */
export function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!PARAM.test(key))
    throw new ApiError(
      ApiErrorCode.INVALID_PARAM,
      `Idempotency-Key: ${JSON.stringify(key.slice(0, 80))} is not a valid key; use letters, digits and _.:- (at most 200), e.g. a UUID`,
    );
  return key;
}

/** A path parameter that is an id: letters, digits, `_.:-`, at most 200 characters. */
export function idParam(
  c: Context,
  name: string,
  pattern: RegExp = PARAM,
  expected = 'letters, digits and _.:- (at most 200)',
): string {
  const value = c.req.param(name) ?? '';
  if (!pattern.test(value))
    throw new ApiError(
      ApiErrorCode.INVALID_PARAM,
      `${name}: ${JSON.stringify(value.slice(0, 80))} is not a valid id; expected ${expected}`,
    );
  return value;
}

/** `path` must be an existing folder on this machine (checked before a job is queued for it). */
export async function requireFolder(path: string, field: string): Promise<void> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => e);
  const fail = (message: string) => {
    throw new ApiError(ApiErrorCode.INVALID_BODY, `${field}: ${message}`, { issues: [{ field, message }] });
  };
  if (st instanceof Error)
    fail(st.code === 'ENOENT' ? `no such folder: ${path}` : `cannot read ${path}: ${st.code ?? st.message}`);
  else if (!st.isDirectory()) fail(`${path} is a file, not a folder`);
}
