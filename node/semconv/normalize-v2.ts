import type { DiagnosticSink } from './diagnostics.js';
import { type Location, locOf } from './location.js';
import { asRecord, fileLoc, normalizeImports } from './normalize-util.js';
import type { RawAttributeEntry, RawFile, RawGroup } from './raw.js';

/** How each v2 section maps onto a group: its kind, the field naming the signal, and the id prefix. */
const SIGNALS = [
  { section: 'spans', type: 'span', nameField: 'type', prefix: 'span.' },
  { section: 'metrics', type: 'metric', nameField: 'name', prefix: 'metric.' },
  { section: 'events', type: 'event', nameField: 'name', prefix: 'event.' },
  { section: 'entities', type: 'entity', nameField: 'type', prefix: 'entity.' },
] as const;

const REFINEMENTS = [
  { section: 'span_refinements', type: 'span', prefix: 'span.' },
  { section: 'metric_refinements', type: 'metric', prefix: 'metric.' },
  { section: 'event_refinements', type: 'event', prefix: 'event.' },
  { section: 'entity_refinements', type: 'entity', prefix: 'entity.' },
] as const;

/** v2 syntax (`file_format: definition/2`): attributes, attribute_groups, signals and refinements in sections. */
export function normalizeV2(doc: Record<string, unknown>, file: string, sink: DiagnosticSink): RawFile {
  const groups: RawGroup[] = [];
  const here = fileLoc(file);
  const section = (name: string): unknown[] => {
    const v = doc[name];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    sink.error(
      'invalid-structure',
      locOf(doc, name) ?? here,
      `\`${name}\` must be a list`,
      `write \`${name}:\` followed by \`- ...\` items`,
    );
    return [];
  };

  const defs: RawAttributeEntry[] = [];
  for (const a of section('attributes')) {
    const attr = asRecord(a);
    const loc = locOf(a) ?? here;
    if (!attr || typeof attr.key !== 'string') {
      sink.error(
        'missing-id',
        loc,
        'attribute definition has no `key`',
        'give each v2 attribute a `key: namespace.name`',
      );
      continue;
    }
    defs.push({ kind: 'def', key: attr.key, fields: attr, location: loc });
  }
  if (defs.length > 0) {
    const loc = locOf(doc, 'attributes') ?? here;
    groups.push(
      group(`__attributes:${file}`, 'attribute_group', { visibility: 'internal' }, defs, loc, true),
    );
  }

  for (const g of section('attribute_groups')) {
    const r = asRecord(g);
    const loc = locOf(g) ?? here;
    if (!r || typeof r.id !== 'string') {
      sink.error('missing-id', loc, 'attribute group has no `id`', 'give the attribute group a unique `id`');
      continue;
    }
    groups.push(group(r.id, 'attribute_group', r, refs(r.attributes, loc, sink), loc, false));
  }

  for (const s of SIGNALS) {
    for (const item of section(s.section)) {
      const r = asRecord(item);
      const loc = locOf(item) ?? here;
      const name = r?.[s.nameField];
      if (!r || typeof name !== 'string') {
        sink.error(
          'missing-id',
          loc,
          `${s.type} has no \`${s.nameField}\``,
          `give the ${s.type} a \`${s.nameField}\``,
        );
        continue;
      }
      const fields: Record<string, unknown> = { ...r };
      if (s.type === 'metric') fields.metric_name = name;
      if (s.type === 'event') fields.name = name;
      if (s.type === 'span') fields.span_kind = r.kind;
      const attrs =
        s.type === 'entity'
          ? [...refs(r.identity, loc, sink), ...refs(r.description, loc, sink)]
          : refs(r.attributes, loc, sink);
      groups.push(group(`${s.prefix}${name}`, s.type, fields, attrs, loc, false));
    }
  }

  for (const s of REFINEMENTS) {
    for (const item of section(s.section)) {
      const r = asRecord(item);
      const loc = locOf(item) ?? here;
      if (!r || typeof r.id !== 'string' || typeof r.ref !== 'string') {
        sink.error(
          'missing-id',
          loc,
          'refinement needs `id` and `ref`',
          'write `id: my.refinement` and `ref: <signal it refines>`',
        );
        continue;
      }
      const g = group(`${s.prefix}${r.id}`, s.type, r, refs(r.attributes, loc, sink), loc, false);
      g.refines = `${s.prefix}${r.ref}`;
      groups.push(g);
    }
  }
  return { file, syntax: 2, groups, imports: normalizeImports(doc.imports, file) };
}

function group(
  id: string,
  type: string,
  fields: Record<string, unknown>,
  attributes: RawAttributeEntry[],
  location: Location,
  synthetic: boolean,
): RawGroup {
  return { id, type, fields, attributes, syntax: 2, synthetic, location, imported: false };
}

function refs(list: unknown, at: Location, sink: DiagnosticSink): RawAttributeEntry[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    sink.error(
      'invalid-structure',
      at,
      'attribute list must be a list',
      'write `- ref: name` or `- ref_group: id` items',
    );
    return [];
  }
  const out: RawAttributeEntry[] = [];
  for (const a of list) {
    const r = asRecord(a);
    const loc = locOf(a) ?? at;
    if (r && typeof r.ref === 'string') out.push({ kind: 'ref', ref: r.ref, fields: r, location: loc });
    else if (r && typeof r.ref_group === 'string')
      out.push({ kind: 'ref_group', refGroup: r.ref_group, location: loc });
    else
      sink.error(
        'invalid-structure',
        loc,
        'v2 signals reference attributes, they do not define them',
        'use `- ref: key` (define the attribute in a top-level `attributes:` list) or `- ref_group: id`',
      );
  }
  return out;
}
