import { stringify } from 'yaml';
import { acronymFilter, CASE_NAMES, capitalizeFirst, convertCase } from './case.js';
import { type CommentArgs, DEFAULT_FORMAT, renderComment } from './comment.js';
import type { CommentFormat, WeaverConfig } from './config.js';
import { promName, promNames, promUnit, toStrategy } from './prometheus.js';

/**
 * Weaver's own filters, tests and functions (weaver_forge's extensions, as its documentation lists
 * them), for a minijinja-js Environment. minijinja-js hands objects to callbacks as Maps and keyword
 * arguments as a trailing Map; `plain` turns them back into objects. A callback must never throw
 * (a JavaScript exception inside minijinja-js poisons the environment): failures are recorded in
 * `errors` and the render is failed by the caller.
 * Not provided: markdown_to_html's full CommonMark, body_fields' sort_by.
 */
export interface MinijinjaLike {
  addFilter(name: string, f: (...args: unknown[]) => unknown): void;
  addTest(name: string, f: (...args: unknown[]) => unknown): void;
  addGlobal(name: string, v: unknown): void;
  renderStr(source: string, ctx: unknown): string;
}

export function plain(v: unknown): unknown {
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = plain(x);
    return o;
  }
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

const get = (v: unknown, k: string): unknown =>
  v instanceof Map ? v.get(k) : v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;

const SIMPLE = new Set(['string', 'string[]', 'int', 'int[]', 'double', 'double[]', 'boolean', 'boolean[]']);
const isSimpleType = (t: unknown) => typeof t === 'string' && SIMPLE.has(t);
const isTemplateType = (t: unknown) =>
  typeof t === 'string' && t.startsWith('template[') && t.endsWith(']') && SIMPLE.has(t.slice(9, -1));
const isEnumType = (t: unknown) => get(t, 'members') !== undefined;

function enumType(t: unknown): string {
  const members = get(t, 'members');
  if (!Array.isArray(members)) throw new Error(`Expected enum type, found ${JSON.stringify(plain(t))}`);
  let inferred: string | undefined;
  for (const m of members) {
    const v = get(m, 'value');
    const kind =
      typeof v === 'number' || typeof v === 'bigint'
        ? Number.isInteger(Number(v))
          ? 'int'
          : 'double'
        : typeof v === 'string'
          ? 'string'
          : undefined;
    if (!kind) throw new Error(`Enum values are expected to be int, double, or string, found ${String(v)}`);
    inferred = inferred === undefined || inferred === kind ? kind : 'string';
  }
  if (!inferred) throw new Error('Empty enum type');
  return inferred;
}

function instantiatedType(t: unknown): string {
  if (isSimpleType(t)) return t as string;
  if (isTemplateType(t)) return (t as string).slice(9, -1);
  if (isEnumType(t)) return enumType(t);
  throw new Error(`Expected simple type, template type, or enum type, found ${JSON.stringify(plain(t))}`);
}

function requirementOrdinal(a: unknown): number {
  const level = get(a, 'requirement_level');
  if (level === undefined) return 0;
  if (get(level, 'conditionally_required') !== undefined) return 2;
  if (get(level, 'recommended') !== undefined) return 3;
  const ord = { required: 1, recommended: 3, opt_in: 4 }[String(level)];
  if (ord === undefined) throw new Error(`Expected requirement level, found ${JSON.stringify(plain(level))}`);
  return ord;
}
const nameOrKey = (a: unknown) => String(get(a, 'name') ?? get(a, 'key') ?? '');

function splitAttribute(input: string): [string, string] {
  if (input === '') throw new Error('must not be empty');
  const at = input.indexOf('.');
  if (at < 0) return ['other', input];
  if (at === 0) throw new Error(`\`${input}\`: namespace must not be empty`);
  if (at === input.length - 1) throw new Error(`\`${input}\`: id must not be empty`);
  return [input.slice(0, at), input.slice(at + 1)];
}

function registryPart(input: string, head: string, what: string): string {
  const parts = input.split('.');
  if (parts.length < 2 || parts[0] !== head) throw new Error(`This ${what} id \`${input}\` is invalid`);
  return parts[1];
}

const ANSI: Record<string, number> = {
  black: 30,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
};

/** the trailing Map of keyword arguments, when the call had one */
function kwargs(args: unknown[]): Record<string, unknown> {
  const last = args.at(-1);
  return last instanceof Map ? (plain(last) as Record<string, unknown>) : {};
}

export function installWeaverExtensions(
  env: MinijinjaLike,
  config: WeaverConfig,
  errors: string[],
  render: (source: string, ctx: unknown) => string,
): void {
  // a failure is recorded, and the value of the call is empty (the caller fails the render)
  const safe =
    <A extends unknown[]>(name: string, f: (...args: A) => unknown) =>
    (...args: unknown[]) => {
      try {
        // objects come in as Maps and must go back as plain objects (a Map does not round-trip)
        return plain(f(...(args as A)));
      } catch (e) {
        errors.push(`${name}: ${(e as Error).message}`);
        return '';
      }
    };
  const filter = <A extends unknown[]>(name: string, f: (...args: A) => unknown) =>
    env.addFilter(name, safe(name, f));
  const test = (name: string, f: (v: unknown) => boolean) => env.addTest(name, safe(name, f));

  for (const c of CASE_NAMES) filter(c, (s: unknown) => convertCase(String(s ?? ''), c));
  for (const c of ['kebab_case', 'pascal_case', 'camel_case', 'snake_case', 'screaming_snake_case'] as const)
    filter(`${c}_const`, (s: unknown) => convertCase(String(s ?? '').replace(/_/g, ''), c));
  filter('capitalize_first', (s: unknown) => capitalizeFirst(String(s ?? '')));
  const acronym = acronymFilter(config.acronyms);
  filter('acronym', (s: unknown) => acronym(String(s ?? '')));
  filter('split_id', (s: unknown) => {
    if (typeof s !== 'string') throw new Error(`Expected string, found: ${String(s)}`);
    return s.split('.');
  });
  filter('flatten', (xs: unknown) =>
    Array.isArray(xs) ? xs.flatMap((x) => (Array.isArray(x) ? x : [x])) : xs,
  );
  filter('regex_replace', (s: unknown, pattern: unknown, replacement: unknown) =>
    String(s ?? '').replace(
      new RegExp(String(pattern), 'g'),
      String(replacement).replace(/\$\{(\w+)\}/g, '$<$1>'),
    ),
  );
  filter('toyaml', (v: unknown) => stringify(plain(v)));
  // numsort: a map as [key, value] pairs, numeric keys first in numeric order, then the rest by text
  filter('numsort', (v: unknown) => {
    const num = (k: string) => (/^-?\d+$/.test(k) ? Number(k) : undefined);
    return Object.entries((plain(v) ?? {}) as Record<string, unknown>).sort(([a], [b]) => {
      const [x, y] = [num(a), num(b)];
      if (x !== undefined && y !== undefined) return x - y;
      if (x !== undefined) return -1;
      if (y !== undefined) return 1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
  });
  filter('map_text', (s: unknown, mapName: unknown, fallback?: unknown) => {
    const map = config.textMaps[String(mapName)];
    const hit = map?.[String(s)];
    if (hit !== undefined) return hit;
    return fallback !== undefined && !(fallback instanceof Map) ? fallback : s;
  });
  filter('type_mapping', (s: unknown) => config.textMaps.type_mapping?.[String(s)] ?? s);
  filter('comment_with_prefix', (s: unknown, prefix: unknown) =>
    String(s ?? '')
      .split('\n')
      .map((l) => `${String(prefix)}${l}`)
      .join('\n'),
  );
  filter('comment', (input: unknown, ...rest: unknown[]) =>
    renderComment(
      plain(input),
      kwargs(rest) as CommentArgs,
      config.commentFormats,
      config.defaultCommentFormat,
      (template, code) => render(template, { code }),
    ),
  );
  filter('markdown_to_html', (s: unknown) =>
    renderComment(String(s ?? ''), { format: '__html' }, { __html: HTML_DEFAULT }, undefined, (t, code) =>
      render(t, { code }),
    ),
  );
  filter('attribute_namespace', (s: unknown) => splitAttribute(String(s))[0]);
  filter('attribute_id', (s: unknown) => splitAttribute(String(s))[1]);
  filter('attribute_registry_namespace', (s: unknown) =>
    registryPart(String(s), 'registry', 'attribute registry'),
  );
  filter('attribute_registry_title', (s: unknown) =>
    convertCase(registryPart(String(s), 'registry', 'attribute registry'), 'title_case'),
  );
  filter(
    'attribute_registry_file',
    (s: unknown) =>
      `attributes-registry/${convertCase(registryPart(String(s), 'registry', 'attribute registry'), 'kebab_case')}.md`,
  );
  filter('metric_namespace', (s: unknown) => registryPart(String(s), 'metric', 'metric'));
  filter('required', (xs: unknown) =>
    (Array.isArray(xs) ? xs : []).filter((a) => get(a, 'requirement_level') === 'required'),
  );
  filter('not_required', (xs: unknown) =>
    (Array.isArray(xs) ? xs : []).filter((a) => get(a, 'requirement_level') !== 'required'),
  );
  filter('attribute_sort', (xs: unknown) =>
    [...(Array.isArray(xs) ? xs : [])].sort(
      (a, b) =>
        requirementOrdinal(a) - requirementOrdinal(b) ||
        (nameOrKey(a) < nameOrKey(b) ? -1 : nameOrKey(a) > nameOrKey(b) ? 1 : 0),
    ),
  );
  filter('instantiated_type', (t: unknown) => instantiatedType(t));
  filter('enum_type', (t: unknown) => enumType(t));
  const printValue = (v: unknown) =>
    typeof v === 'string'
      ? JSON.stringify(v)
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : '';
  filter('print_member_value', printValue);
  filter('print_value', printValue);
  filter('body_fields', (body: unknown) => {
    const out: unknown[] = [];
    const walk = (v: unknown, path: string, depth: number) => {
      if (v == null) return;
      const id = String(get(v, 'id'));
      const p = path ? `${path}.${id}` : id;
      out.push([p, v, depth]);
      const fields = get(v, 'fields');
      if (Array.isArray(fields))
        for (const x of [...fields].sort((a, b) => String(get(a, 'id')).localeCompare(String(get(b, 'id')))))
          walk(x, p, depth + 1);
    };
    walk(body, '', 0);
    return out;
  });
  const metricField = (m: unknown, k: string) => {
    const v = get(m, k);
    if (typeof v !== 'string') throw new Error(`Expected ${k} to be a string`);
    return v;
  };
  filter('prometheus_metric_name', (m: unknown, ...rest: unknown[]) => {
    const kw = kwargs(rest);
    if (kw.translation_strategy === undefined)
      throw new Error('translation_strategy parameter is required for prometheus_metric_name filter');
    return promName(
      metricField(m, 'metric_name'),
      metricField(m, 'unit'),
      metricField(m, 'instrument'),
      toStrategy(kw.translation_strategy),
    );
  });
  filter('prometheus_metric_names', (m: unknown, ...rest: unknown[]) => {
    const kw = kwargs(rest);
    return promNames(
      metricField(m, 'metric_name'),
      metricField(m, 'unit'),
      metricField(m, 'instrument'),
      kw.translation_strategy === undefined || kw.translation_strategy === null
        ? undefined
        : toStrategy(kw.translation_strategy),
      kw.expand_summary_and_histogram === true,
    );
  });
  filter('prometheus_unit_name', (m: unknown) => {
    const unit = metricField(m, 'unit');
    return promUnit(unit) ?? unit;
  });
  for (const [color, code] of Object.entries(ANSI)) {
    filter(`ansi_${color}`, (s: unknown) => `\x1b[${code}m${String(s)}\x1b[0m`);
    filter(`ansi_bright_${color}`, (s: unknown) => `\x1b[${code + 60}m${String(s)}\x1b[0m`);
    filter(`ansi_bg_${color}`, (s: unknown) => `\x1b[${code + 10}m${String(s)}\x1b[0m`);
    filter(`ansi_bg_bright_${color}`, (s: unknown) => `\x1b[${code + 70}m${String(s)}\x1b[0m`);
  }
  filter('ansi_bold', (s: unknown) => `\x1b[1m${String(s)}\x1b[0m`);
  filter('ansi_italic', (s: unknown) => `\x1b[3m${String(s)}\x1b[0m`);
  filter('ansi_underline', (s: unknown) => `\x1b[4m${String(s)}\x1b[0m`);
  filter('ansi_strikethrough', (s: unknown) => `\x1b[9m${String(s)}\x1b[0m`);

  const stability = (v: unknown) => get(v, 'stability');
  test('stable', (v) => stability(v) === 'stable');
  test('experimental', (v) => stability(v) !== 'stable');
  test('deprecated', (v) => {
    const d = get(v, 'deprecated');
    return d instanceof Map || (!!d && typeof d === 'object' && !Array.isArray(d));
  });
  test('enum', (v) => isEnumType(get(v, 'type')));
  test('simple_type', isSimpleType);
  test('template_type', isTemplateType);
  test('enum_type', isEnumType);
  test('array', (t) => typeof t === 'string' && /^(string|int|double|boolean)\[\]$/.test(t));

  // concat_if: the values joined when every one is defined; minijinja-js cannot return "undefined"
  // from a function, so the empty string stands for it (the comment filter trims it away)
  env.addGlobal(
    'concat_if',
    safe('concat_if', (...xs: unknown[]) =>
      xs.some((x) => x === undefined) ? '' : xs.map((x) => String(x)).join(''),
    ),
  );
}

/** markdown_to_html: the comment renderer's html form with plain HTML code elements */
const HTML_DEFAULT: CommentFormat = {
  ...DEFAULT_FORMAT,
  format: 'html',
  inline_code_snippet: '<code>{{code}}</code>',
  block_code_snippet: '<pre><code>{{code}}</code></pre>',
};
