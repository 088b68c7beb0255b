import type {
  Attribute,
  AttributeType,
  AttributeUse,
  Deprecation,
  EnumMember,
  Group,
  RequirementLevel,
  ResolvedRegistry,
} from '../semconv/index.js';

/**
 * The resolved registry in the shape Weaver gives templates and jq filters (`weaver registry
 * resolve`, weaver_forge's ResolvedRegistry): `{ registry_url, groups: [...] }`, each group with its
 * attributes in full (`name`, `type` as "string" / "template[int]" / `{ members: [...] }`,
 * `requirement_level` as "required" or `{ conditionally_required: "..." }`), `deprecated` as
 * `{ reason, renamed_to?, note }`; empty strings, empty lists and absent values are left out as
 * Weaver's serializer leaves them out. V2 refinements are dropped, as Weaver drops them.
 * Not carried: `lineage` (where each field came from), `events` of span groups, entity associations.
 */
export interface WeaverRegistry {
  registry_url?: string;
  groups: Record<string, unknown>[];
}

export function toWeaverRegistry(r: ResolvedRegistry): WeaverRegistry {
  const defs = new Map(r.attributes.map((a) => [a.key, a]));
  const groups = r.groups.filter((g) => !g.refines).map((g) => weaverGroup(g, defs));
  return { ...(r.manifest.schemaUrl ? { registry_url: r.manifest.schemaUrl } : {}), groups };
}

function weaverGroup(g: Group, defs: Map<string, Attribute>): Record<string, unknown> {
  return compact({
    id: g.id,
    type: g.kind,
    brief: g.raw?.brief ?? g.brief,
    note: g.raw?.note ?? g.note,
    stability: g.stability,
    deprecated: g.deprecated && deprecation(g.deprecated),
    attributes: g.attributes.map((u) => weaverAttribute(u, defs.get(u.key))),
    span_kind: g.spanKind,
    metric_name: g.metricName,
    instrument: g.instrument,
    unit: g.unit,
    name: g.eventName ?? g.entityType,
    annotations: nonEmpty(g.annotations),
  });
}

export function weaverAttribute(u: AttributeUse, def: Attribute | undefined): Record<string, unknown> {
  return compact({
    name: u.key,
    type: def ? weaverType(def.type) : 'string',
    brief: u.raw?.brief ?? u.brief,
    examples: u.exampleIsValue ? u.examples[0] : u.examples,
    requirement_level: requirementLevel(u.requirementLevel),
    note: u.raw?.note ?? u.note,
    stability: u.stability,
    deprecated: u.deprecated && deprecation(u.deprecated),
    annotations: def && nonEmpty(def.annotations),
  });
}

export function weaverType(t: AttributeType): unknown {
  if (t.kind === 'primitive') return t.type;
  if (t.kind === 'template') return `template[${t.type}]`;
  return { members: t.members.map(member) };
}

const member = (m: EnumMember) => ({
  id: m.id,
  value: m.value,
  ...compact({
    brief: m.raw?.brief ?? m.brief,
    note: m.raw?.note ?? m.note,
    stability: m.stability,
    deprecated: m.deprecated && deprecation(m.deprecated),
    annotations: nonEmpty(m.annotations),
  }),
});

/** Weaver's notes where the YAML gave none: "Replaced by `x`.", "Obsoleted.", "Uncategorized." */
const deprecation = (d: Deprecation) =>
  d.reason === 'renamed'
    ? {
        reason: 'renamed',
        renamed_to: d.renamedTo ?? '',
        note: d.note || `Replaced by \`${d.renamedTo ?? ''}\`.`,
      }
    : { reason: d.reason, note: d.note || (d.reason === 'obsoleted' ? 'Obsoleted.' : 'Uncategorized.') };

const requirementLevel = (r: RequirementLevel): unknown => ('text' in r ? { [r.level]: r.text } : r.level);

const nonEmpty = (o: Record<string, unknown> | undefined) => (o && Object.keys(o).length > 0 ? o : undefined);

/** leaves out undefined values, empty strings and empty lists, as Weaver's serializer does */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}
