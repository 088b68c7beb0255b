/**
 * Seeded fuzzing helpers: a small PRNG (mulberry32), per-case seeds, weird strings, numbers and
 * keys, values built from (and against) JSON schemas, JSON text with raw fragments (numbers JSON.stringify
 * cannot write, deep nesting, own `__proto__` keys) and text-level mutations of JSON.
 * Everything is a function of the seed: a failing case is reproduced from the seed and its index.
 */

/** mulberry32: a tiny seeded generator of uniform numbers in [0, 1) (not for secrets). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for one part of a run (FNV-1a over the seed and the parts), so each case replays alone. */
export function deriveSeed(seed: number, ...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed >>> 0}|${parts.join('|')}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface Rng {
  readonly seed: number;
  /** uniform in [0, 1) */
  next(): number;
  /** an integer in [lo, hi] */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  /** an item by weight: [[weight, item], ...] */
  weighted<T>(items: readonly (readonly [number, T])[]): T;
  chance(p: number): boolean;
  bytes(n: number): Uint8Array;
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    seed: seed >>> 0,
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)],
    weighted(items) {
      const total = items.reduce((s, [w]) => s + w, 0);
      let r = next() * total;
      for (const [w, item] of items) {
        r -= w;
        if (r < 0) return item;
      }
      return items[items.length - 1][1];
    },
    chance: (p) => next() < p,
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

/**
 * The run's seed: `$<name>` when set (decimal or 0x hex; `random` draws one), else `fallback`.
 * Whatever it is, it is printed by the caller so a failure can be replayed.
 */
export function seedFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const given = env[name]?.trim();
  if (!given) return fallback >>> 0;
  if (given === 'random') return Math.floor(Math.random() * 2 ** 32) >>> 0;
  const n = given.startsWith('0x') ? Number.parseInt(given.slice(2), 16) : Number(given);
  if (!Number.isFinite(n)) throw new Error(`${name}=${given} is not a number (decimal, 0x hex, or "random")`);
  return n >>> 0;
}

export const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** A positive whole number from `$<name>`, else `fallback`. */
export function countFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const given = env[name]?.trim();
  if (!given) return fallback;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${given} is not a whole number`);
  return n;
}

// ---- JSON values with raw fragments ----

/** JSON text written as is: numbers JSON.stringify cannot write (1e999), deep nesting, bad syntax. */
export class Raw {
  constructor(readonly text: string) {}
}

export type FuzzValue = null | boolean | number | string | Raw | FuzzValue[] | FuzzObject;
export interface FuzzObject {
  [key: string]: FuzzValue;
}

/** A plain object without a prototype: assigning `__proto__` makes an own key, as JSON.parse does. */
export const obj = (entries: [string, FuzzValue][] = []): FuzzObject => {
  const o: FuzzObject = Object.create(null);
  for (const [k, v] of entries) o[k] = v;
  return o;
};

const isObject = (v: FuzzValue): v is FuzzObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Raw);

/** JSON text of a value; Raw fragments are written as they are. */
export function encodeJson(v: FuzzValue): string {
  if (v instanceof Raw) return v.text;
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? (Object.is(v, -0) ? '-0' : String(v)) : 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(encodeJson).join(',')}]`;
  return `{${Object.keys(v)
    .map((k) => `${JSON.stringify(k)}:${encodeJson(v[k])}`)
    .join(',')}}`;
}

/** A copy of a plain JSON value as FuzzValues (objects without prototypes). */
export function toFuzz(v: unknown): FuzzValue {
  if (Array.isArray(v)) return v.map(toFuzz);
  if (v instanceof Raw) return v;
  if (typeof v === 'object' && v !== null)
    return obj(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toFuzz(x)]));
  return v as FuzzValue;
}

// ---- weird atoms ----

const LONG_LENGTHS = [201, 257, 1025, 4097, 8001, 65_537, 300_000];

/** strings that break parsers, regexes, paths, terminals and templates */
export function weirdString(rng: Rng): string {
  const kind = rng.int(0, 13);
  switch (kind) {
    case 0:
      return '';
    case 1:
      return rng.pick(['a', 'x', '/', '\u00e9', '\ud83d\ude00']).repeat(rng.pick(LONG_LENGTHS));
    case 2:
      return rng.pick([
        '\u0000',
        `a\u0000b`,
        '\u0001\u0002\u001f\u007f',
        '\t\n\r\v\f',
        '\u2028\u2029',
        '\u001b[31mred\u001b[0m',
        '\r\nSet-Cookie: x=1',
      ]);
    case 3:
      return rng.pick([
        '\u202eevil\u202c',
        'e\u0301\u0302\u0303',
        '\u200b\u200c\u200d\ufeff',
        '\ud800',
        '\udfff\ud800',
        '\ufffd\uffff',
        '\ud835\udd4f\ud83d\ude00\u0939\u093f\u0928\u094d\u0926\u0940',
        'Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA',
      ]);
    case 4:
      return rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']);
    case 5:
      return rng.pick([
        '%s%s%s%n%x',
        `$${'{'}7*7}`,
        '{{7*7}}',
        '{% raw %}{{ x',
        '<script>alert(1)</script>',
        "' OR 1=1 --",
        '"; DROP TABLE x; --',
        '\\',
        '\\u0000',
        '%00',
        '%zz%',
      ]);
    case 6:
      return rng.pick(['1e999', '-0', 'NaN', 'Infinity', '0x10', '1_000', ' 1', '1 ', '9'.repeat(40), '-1']);
    case 7:
      return rng.pick(['{"a":1}', '[]', 'null', 'true', '{}', '"']);
    case 8:
      return rng.pick(['typescript', 'TYPESCRIPT', 'typescript ', 'ts', 'cobol', 'builtin', 'openai:gpt-4o']);
    case 9: {
      // random code points, astral ones too
      const n = rng.int(1, 64);
      let s = '';
      for (let i = 0; i < n; i++) {
        const cp = rng.chance(0.2) ? rng.int(0x10000, 0x10ffff) : rng.int(0, 0xffff);
        s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      }
      return s;
    }
    case 10:
      return rng.pick(['.', '..', '../..', 'a/../../b', '~', '~root', 'C:\\Windows', 'con', 'nul', '*', '?']);
    case 11:
      return rng.pick([
        '000000000000001-deadbeef',
        '0'.repeat(32),
        'f'.repeat(32),
        'a:b.c-d_e',
        'x'.repeat(200),
      ]);
    default: {
      const n = rng.int(1, 40);
      const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789_-.:';
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
      return s;
    }
  }
}

/** numbers out of every range, and some JSON.stringify cannot write */
export function weirdNumber(rng: Rng): number | Raw {
  return rng.pick<number | Raw>([
    0,
    -1,
    1,
    -0,
    0.5,
    1.5,
    -1.5,
    2 ** 31,
    2 ** 32 + 1,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 63),
    1e308,
    -1e308,
    5e-324,
    Number.MAX_SAFE_INTEGER,
    new Raw('1e999'),
    new Raw('-1e999'),
    new Raw(`1${'0'.repeat(400)}`),
    new Raw(`0.${'0'.repeat(400)}1`),
    new Raw('-0.0e-0'),
    new Raw('1E+2'),
  ]);
}

export function weirdKey(rng: Rng): string {
  return rng.weighted<string>([
    [
      4,
      rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__']),
    ],
    [2, ''],
    [2, weirdString(rng).slice(0, 300)],
    [2, rng.pick(['$ref', 'id', 'type', 'extra', 'registry ', 'Registry', 'LANGUAGES'])],
  ]);
}

/** `[[[[...]]]]` or `{"a":{"a":...}}` nested `depth` levels, as raw text (nothing recursive builds it). */
export function deepNesting(rng: Rng, depth = rng.pick([64, 1000, 10_000, 100_000])): Raw {
  const inner = encodeJson(rng.pick<FuzzValue>([1, 'x', null, []]));
  if (rng.chance(0.5)) return new Raw(`${'['.repeat(depth)}${inner}${']'.repeat(depth)}`);
  const key = JSON.stringify(rng.pick(['a', '__proto__', 'registry']));
  return new Raw(`${`{${key}:`.repeat(depth)}${inner}${'}'.repeat(depth)}`);
}

/** any JSON value, small, of any type, weird atoms included */
export function randomValue(rng: Rng, depth = 0): FuzzValue {
  const kind = depth > 3 ? rng.int(0, 3) : rng.int(0, 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return weirdNumber(rng);
    case 3:
      return weirdString(rng);
    case 4:
      return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1));
    case 5:
      return obj(Array.from({ length: rng.int(0, 4) }, () => [weirdKey(rng), randomValue(rng, depth + 1)]));
    default:
      return deepNesting(rng, rng.pick([32, 500, 5000]));
  }
}

// ---- JSON schemas (as the OpenAPI document has them) ----

export type JsonSchema = Record<string, unknown>;

export interface SchemaContext {
  /** `#/components/schemas/...` */
  components: Record<string, JsonSchema>;
  /** a value for a field that names a folder or file on the node's machine (never a real one outside the test's) */
  pathValue(rng: Rng, field: string): string;
  /** whether a field (top level of a body) names a folder or file on the node's machine */
  isPathField(field: string, schema: JsonSchema): boolean;
  /** a mutated string for a path field, moved where it cannot reach a real file */
  confine(value: string): string;
}

export function resolve(schema: JsonSchema, ctx: SchemaContext): JsonSchema {
  let s = schema;
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
    const name = (s.$ref as string).replace('#/components/schemas/', '');
    s = ctx.components[name] ?? {};
  }
  return s;
}

const typeOf = (s: JsonSchema): string | undefined =>
  Array.isArray(s.type) ? (s.type[0] as string) : (s.type as string | undefined);

/** a value meant to be valid for `schema` (best effort: patterns are not honoured) */
export function fromSchema(rng: Rng, schema: JsonSchema, ctx: SchemaContext, depth = 0): FuzzValue {
  const s = resolve(schema, ctx);
  if (Array.isArray(s.enum)) return toFuzz(rng.pick(s.enum));
  if ('const' in s) return toFuzz(s.const);
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alternatives?.length) return fromSchema(rng, rng.pick(alternatives), ctx, depth);
  if (Array.isArray(s.allOf) && s.allOf.length) return fromSchema(rng, s.allOf[0] as JsonSchema, ctx, depth);
  switch (typeOf(s)) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((s.required ?? []) as string[]);
      const o = obj();
      for (const [k, p] of Object.entries(props)) {
        if (!required.has(k) && (depth > 3 || rng.chance(0.5))) continue;
        o[k] =
          depth === 0 && ctx.isPathField(k, p) ? ctx.pathValue(rng, k) : fromSchema(rng, p, ctx, depth + 1);
      }
      if (typeof s.additionalProperties === 'object' && rng.chance(0.5))
        o[`k${rng.int(0, 9)}`] = fromSchema(rng, s.additionalProperties as JsonSchema, ctx, depth + 1);
      return o;
    }
    case 'array': {
      const min = (s.minItems as number | undefined) ?? 0;
      const max = Math.min((s.maxItems as number | undefined) ?? min + 3, min + 3);
      const items = (s.items ?? {}) as JsonSchema;
      return Array.from({ length: rng.int(min, Math.max(min, max)) }, () =>
        fromSchema(rng, items, ctx, depth + 1),
      );
    }
    case 'string': {
      const min = (s.minLength as number | undefined) ?? 1;
      const max = Math.min((s.maxLength as number | undefined) ?? 24, 24);
      const n = rng.int(Math.min(min, max), Math.max(min, max));
      let out = '';
      for (let i = 0; i < n; i++) out += 'abcdefghijklmnopqrstuvwxyz'[rng.int(0, 25)];
      return out;
    }
    case 'integer':
    case 'number': {
      const lo = (s.minimum as number | undefined) ?? 0;
      const hi = (s.maximum as number | undefined) ?? lo + 100;
      return typeOf(s) === 'integer' ? rng.int(Math.ceil(lo), Math.floor(hi)) : lo + rng.next() * (hi - lo);
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    default:
      return randomValue(rng, depth);
  }
}

/** a value of another JSON type than the schema's */
export function wrongType(rng: Rng, schema: JsonSchema, ctx: SchemaContext): FuzzValue {
  const type = typeOf(resolve(schema, ctx));
  const all: [string, () => FuzzValue][] = [
    ['string', () => weirdString(rng).slice(0, 100)],
    ['number', () => weirdNumber(rng)],
    ['integer', () => rng.pick([1, 7, 42])],
    ['boolean', () => rng.chance(0.5)],
    ['null', () => null],
    ['array', () => [randomValue(rng, 2)]],
    ['object', () => obj([[weirdKey(rng), randomValue(rng, 2)]])],
  ];
  const others = all.filter(([t]) => t !== type && !(type === 'number' && t === 'integer'));
  return rng.pick(others)[1]();
}

/**
 * 1 to 3 mutations of a (valid) value against its schema: fields dropped, added (`__proto__`,
 * `constructor`, unknown ones), of a wrong type, weird strings, numbers out of range, deep
 * nesting, huge or empty arrays, nulls, and now and then a valid other value. Path fields get
 * paths from `ctx.pathValue` or confined mutations. Returns the value and what was done.
 */
export function mutate(
  rng: Rng,
  value: FuzzValue,
  schema: JsonSchema,
  ctx: SchemaContext,
): { value: FuzzValue; notes: string[] } {
  const notes: string[] = [];
  let v = value;
  const times = rng.weighted([
    [5, 1],
    [3, 2],
    [2, 3],
  ]);
  for (let i = 0; i < times; i++) v = mutateOnce(rng, v, schema, ctx, notes, '', 0);
  return { value: v, notes };
}

function mutateOnce(
  rng: Rng,
  value: FuzzValue,
  schema: JsonSchema,
  ctx: SchemaContext,
  notes: string[],
  at: string,
  depth: number,
): FuzzValue {
  const s = resolve(schema, ctx);
  const here = at || 'body';
  if (isObject(value)) {
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    const keys = [...new Set([...Object.keys(value), ...Object.keys(props)])];
    const op = rng.weighted<string>([
      [3, 'drop'],
      [3, 'extra'],
      [10, 'field'],
      [1, 'replace'],
    ]);
    const copy = obj(Object.keys(value).map((k) => [k, value[k]]));
    if (op === 'drop' && Object.keys(copy).length) {
      const k = rng.pick(Object.keys(copy));
      delete copy[k];
      notes.push(`drop ${at ? `${at}.` : ''}${k}`);
      return copy;
    }
    if (op === 'extra' || keys.length === 0) {
      const k = weirdKey(rng);
      copy[k] = randomValue(rng, 2);
      notes.push(`extra ${at ? `${at}.` : ''}${JSON.stringify(k.slice(0, 40))}`);
      return copy;
    }
    if (op === 'replace') {
      notes.push(`${here} replaced`);
      return replaceValue(rng, s, ctx);
    }
    const k = rng.pick(keys);
    const fieldSchema = props[k] ?? {};
    const path = at ? `${at}.${k}` : k;
    if (depth === 0 && ctx.isPathField(k, fieldSchema) && rng.chance(0.5)) {
      copy[k] = ctx.pathValue(rng, k);
      notes.push(`${path}=path ${JSON.stringify(String(copy[k]).slice(0, 60))}`);
      return copy;
    }
    const current = k in copy ? copy[k] : fromSchema(rng, fieldSchema, ctx, depth + 1);
    let next = mutateOnce(rng, current, fieldSchema, ctx, notes, path, depth + 1);
    if (depth === 0 && typeof next === 'string' && ctx.isPathField(k, fieldSchema)) next = ctx.confine(next);
    copy[k] = next;
    return copy;
  }
  if (Array.isArray(value) && value.length && rng.chance(0.5)) {
    const items = (s.items ?? {}) as JsonSchema;
    const i = rng.int(0, value.length - 1);
    const copy = [...value];
    copy[i] = mutateOnce(rng, value[i], items, ctx, notes, `${at}.${i}`, depth + 1);
    return copy;
  }
  return replaceValue(rng, s, ctx, notes, here, value);
}

function replaceValue(
  rng: Rng,
  s: JsonSchema,
  ctx: SchemaContext,
  notes: string[] = [],
  at = 'body',
  current?: FuzzValue,
): FuzzValue {
  const op = rng.weighted<string>([
    [4, 'wrong-type'],
    [3, 'weird-string'],
    [2, 'weird-number'],
    [1, 'deep'],
    [1, 'null'],
    [2, 'array'],
    [2, 'valid-other'],
  ]);
  switch (op) {
    case 'wrong-type':
      notes.push(`${at}: wrong type`);
      return wrongType(rng, s, ctx);
    case 'weird-string': {
      const w = weirdString(rng);
      notes.push(`${at}: string of ${w.length}`);
      return w;
    }
    case 'weird-number': {
      const n = weirdNumber(rng);
      notes.push(`${at}: number ${n instanceof Raw ? n.text.slice(0, 20) : n}`);
      return n;
    }
    case 'deep': {
      const d = deepNesting(rng);
      notes.push(`${at}: nested ${d.text.length / 2} deep`);
      return d;
    }
    case 'null':
      notes.push(`${at}: null`);
      return null;
    case 'array': {
      const item: FuzzValue = Array.isArray(current) && current.length ? current[0] : randomValue(rng, 2);
      // at most ~8 MB of JSON: a large item repeated 10 000 times would not fit in a string at all
      const n = Math.min(
        rng.pick([0, 2, 100, 10_000]),
        Math.floor(8e6 / Math.max(1, encodeJson(item).length)),
      );
      notes.push(`${at}: array of ${n}`);
      return Array.from({ length: n }, () => item);
    }
    default:
      notes.push(`${at}: another valid value`);
      return fromSchema(rng, s, ctx, 1);
  }
}

/** text-level damage to JSON: truncation, bad bytes, comments, trailing commas, duplicate keys, a BOM */
export function mutateText(rng: Rng, text: string): { text: string; note: string } {
  const at = rng.int(0, Math.max(0, text.length - 1));
  switch (rng.int(0, 10)) {
    case 0:
      return { text: text.slice(0, at), note: `truncated at ${at}` };
    case 1:
      return {
        text: `${text.slice(0, at)}${String.fromCharCode(rng.int(0, 255))}${text.slice(at)}`,
        note: 'a char inserted',
      };
    case 2:
      return { text: `\ufeff${text}`, note: 'BOM' };
    case 3:
      return { text: `${text} // comment`, note: 'comment' };
    case 4:
      return { text: text.replace(/}\s*$/, ',}'), note: 'trailing comma' };
    case 5:
      return { text: text.replace(/^\{/, '{"registry": 1, "path": 2, '), note: 'duplicate keys' };
    case 6:
      return { text: text.replaceAll('"', "'"), note: 'single quotes' };
    case 7:
      return { text: `${text}${text}`, note: 'two documents' };
    case 8:
      return { text: text.replace(/:\s*"/, ':"\u0001\n'), note: 'raw control chars in a string' };
    case 9:
      return { text: text.replace(/\d+/, 'NaN'), note: 'NaN literal' };
    default:
      return { text: `${text.slice(0, at)}\\${text.slice(at)}`, note: 'stray backslash' };
  }
}

/** printable excerpt of a body or answer: control characters escaped, long text cut */
export function excerpt(text: string | Uint8Array | undefined, max = 160): string {
  if (text === undefined) return '(none)';
  const s =
    typeof text === 'string'
      ? text
      : `<${text.byteLength} bytes> ${Buffer.from(text.slice(0, max)).toString('hex')}`;
  const cut = s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s;
  return JSON.stringify(cut);
}

/** a header value fetch accepts (latin-1, no CR/LF/NUL), weird otherwise */
export function headerValue(rng: Rng): string {
  const kind = rng.int(0, 5);
  if (kind === 0) return '';
  if (kind === 1) return 'x'.repeat(rng.pick([201, 1000, 4000]));
  if (kind === 2) return '\u00e9\u00ff\u00a0';
  if (kind === 3) return 'has space';
  if (kind === 4) return `key-${rng.int(0, 5)}`;
  let s = '';
  for (let i = rng.int(1, 30); i > 0; i--)
    s += String.fromCharCode(rng.chance(0.8) ? rng.int(0x21, 0x7e) : rng.int(0xa0, 0xff));
  return s;
}
