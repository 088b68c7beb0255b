import type { DiagnosticSink } from './diagnostics.js';
import { type Location, locOf } from './location.js';
import { asRecord, fileLoc, normalizeImports } from './normalize-util.js';
import type { RawAttributeEntry, RawFile, RawGroup } from './raw.js';

/** v1 syntax: a top-level `groups:` list; attributes carry `id` (with an optional group `prefix`) or `ref`. */
export function normalizeV1(doc: Record<string, unknown>, file: string, sink: DiagnosticSink): RawFile {
  const groups: RawGroup[] = [];
  const list = doc.groups;
  if (list !== undefined && !Array.isArray(list)) {
    sink.error(
      'invalid-structure',
      locOf(doc, 'groups') ?? fileLoc(file),
      '`groups` must be a list',
      'write `groups:` followed by `- id: ...` items',
    );
  }
  for (const g of Array.isArray(list) ? list : []) {
    const group = asRecord(g);
    const loc = locOf(g) ?? fileLoc(file);
    if (!group) {
      sink.error(
        'invalid-structure',
        loc,
        'a group must be a mapping',
        'write each group as `- id: ...` with its fields',
      );
      continue;
    }
    const id = typeof group.id === 'string' ? group.id : '';
    if (!id)
      sink.error(
        'missing-id',
        loc,
        'group has no `id`',
        'give the group a unique `id`, e.g. `registry.http`',
      );
    const prefix = typeof group.prefix === 'string' && group.prefix ? `${group.prefix}.` : '';
    groups.push({
      id,
      type: typeof group.type === 'string' ? group.type : 'undefined',
      fields: group,
      extends: typeof group.extends === 'string' ? group.extends : undefined,
      attributes: normalizeAttributes(group.attributes, prefix, loc, sink),
      syntax: 1,
      synthetic: false,
      location: loc,
      imported: false,
    });
  }
  return { file, syntax: 1, groups, imports: normalizeImports(doc.imports, file) };
}

function normalizeAttributes(
  list: unknown,
  prefix: string,
  groupLoc: Location,
  sink: DiagnosticSink,
): RawAttributeEntry[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    sink.error(
      'invalid-structure',
      groupLoc,
      '`attributes` must be a list',
      'write `attributes:` followed by `- id: ...` or `- ref: ...` items',
    );
    return [];
  }
  const out: RawAttributeEntry[] = [];
  for (const a of list) {
    const attr = asRecord(a);
    const loc = locOf(a) ?? groupLoc;
    if (!attr) {
      sink.error(
        'invalid-structure',
        loc,
        'an attribute entry must be a mapping',
        'write `- id: name` or `- ref: name`',
      );
      continue;
    }
    if (typeof attr.ref === 'string') out.push({ kind: 'ref', ref: attr.ref, fields: attr, location: loc });
    else if (typeof attr.ref_group === 'string')
      out.push({ kind: 'ref_group', refGroup: attr.ref_group, location: loc });
    else if (typeof attr.id === 'string')
      out.push({ kind: 'def', key: `${prefix}${attr.id}`, fields: attr, location: loc });
    else
      sink.error(
        'missing-id',
        loc,
        'attribute has neither `id` nor `ref`',
        'define it with `id: namespace.name` or reference one with `ref:`',
      );
  }
  return out;
}
