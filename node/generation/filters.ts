import type { Liquid } from 'liquidjs';
import { camelCase, goName, kebabCase, pascalCase, screamingSnakeCase, snakeCase } from './case.js';
import {
  docComment,
  escapeReserved,
  type Language,
  stringLiteral,
  toLanguage,
  valueLiteral,
} from './languages.js';

const CONVERSIONS: Record<string, (s: string) => string> = {
  snake_case: snakeCase,
  screaming_snake_case: screamingSnakeCase,
  kebab_case: kebabCase,
  pascal_case: pascalCase,
  camel_case: camelCase,
  go_name: goName,
};

const lang = (l: unknown): Language => toLanguage(String(l)) ?? 'typescript';
const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? (v as Record<string, unknown>[]) : [];

/** Filters every pack may use. They are pure functions of their arguments: packs are untrusted. */
export function registerFilters(engine: Liquid): void {
  const f = (name: string, fn: (...args: unknown[]) => unknown) => engine.registerFilter(name, fn);
  // case conversions
  for (const [name, fn] of Object.entries(CONVERSIONS)) f(name, (s) => fn(String(s ?? '')));
  f('const_case', (s) => screamingSnakeCase(String(s ?? '')));
  // per-language lexical helpers
  f('doc_comment', (s, l, indent) => docComment(s, lang(l), Number(indent ?? 0)));
  f('string_literal', (s, l) => stringLiteral(s, lang(l)));
  f('value_literal', (s, l) => valueLiteral(s, lang(l)));
  f('escape_reserved', (s, l) => escapeReserved(String(s ?? ''), lang(l)));
  // one-line text for places where a newline would break the syntax (e.g. Rust attributes)
  f('one_line', (s) =>
    String(s ?? '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  // stability and deprecation
  f('stable', (v) => list(v).filter((x) => x.is_stable === true));
  f('experimental', (v) => list(v).filter((x) => x.is_stable !== true));
  f('deprecated', (v) => list(v).filter((x) => x.is_deprecated === true));
  f('not_deprecated', (v) => list(v).filter((x) => x.is_deprecated !== true));
  f('templates', (v) => list(v).filter((x) => x.is_template === true));
  f('not_templates', (v) => list(v).filter((x) => x.is_template !== true));
  f('enums', (v) => list(v).filter((x) => x.is_enum === true));
  // One item per generated name: when two ids convert to the same name (a deprecated alias and its
  // replacement, say `azure_vm` and `azure.vm`), the non-deprecated one wins.
  f('unique_names', (v, conv) => {
    const convert = CONVERSIONS[String(conv ?? 'screaming_snake_case')] ?? screamingSnakeCase;
    const byName = new Map<string, Record<string, unknown>>();
    for (const x of list(v)) {
      const name = convert(String(x.id ?? x.key ?? x.name ?? ''));
      const prev = byName.get(name);
      if (!prev || (prev.is_deprecated === true && x.is_deprecated !== true)) byName.set(name, x);
    }
    const keep = new Set(byName.values());
    return list(v).filter((x) => keep.has(x));
  });
  // namespaces
  f('root_namespace', (s) => String(s ?? '').split('.')[0]);
  f('in_namespace', (v, ns) => list(v).filter((x) => String(x.key ?? x.name ?? '').split('.')[0] === ns));
  f('group_by_root_namespace', (v) => {
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const x of list(v)) {
      const ns = String(x.root_namespace ?? String(x.key ?? x.name ?? '').split('.')[0]);
      groups.set(ns, [...(groups.get(ns) ?? []), x]);
    }
    return [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, items]) => ({ name, items }));
  });
}
