import type { Attribute, Deprecation, Group, ResolvedRegistry, Stability } from '../semconv/index.js';

/**
 * What a pack template sees: plain, snake_case data (the Weaver/Jinja habit template authors know),
 * with the derived flags precomputed so templates stay simple. No paths, no host objects.
 */
export interface TemplateDeprecation {
  reason: string;
  note: string;
  renamed_to: string | null;
}

export interface TemplateEnumMember {
  id: string;
  value: string | number | boolean;
  brief: string;
  note: string;
  stability: string;
  is_stable: boolean;
  deprecated: TemplateDeprecation | null;
  is_deprecated: boolean;
}

export interface TemplateAttribute {
  key: string;
  /** primitive type; for templates the value type, for enums the member value type */
  type: string;
  kind: 'primitive' | 'template' | 'enum';
  is_template: boolean;
  is_enum: boolean;
  brief: string;
  note: string;
  examples: unknown[];
  stability: string;
  is_stable: boolean;
  deprecated: TemplateDeprecation | null;
  is_deprecated: boolean;
  root_namespace: string;
  members: TemplateEnumMember[];
  allow_custom_values: boolean;
  /**
   * The kinds of the signal groups that use the attribute, sorted: `span`, `event`, `metric`,
   * `resource` (groups of type `resource`, or `entity` as registries call them since 1.3x, the way
   * Weaver's `semconv_signal("resource")` selects them), `scope`. Packs build per-signal views from
   * it (the Rust crate's `resource::` and `trace::` re-export modules).
   */
  signals?: string[];
}

export interface TemplateSignal {
  name: string;
  brief: string;
  note: string;
  stability: string;
  is_stable: boolean;
  deprecated: TemplateDeprecation | null;
  is_deprecated: boolean;
  root_namespace: string;
  attributes: string[];
  instrument: string;
  unit: string;
}

export interface TemplateNamespace {
  name: string;
  attributes: TemplateAttribute[];
  metrics: TemplateSignal[];
  events: TemplateSignal[];
}

export interface TemplateRegistry {
  name: string;
  version: string;
  schema_url: string;
  attributes: TemplateAttribute[];
  metrics: TemplateSignal[];
  events: TemplateSignal[];
  namespaces: TemplateNamespace[];
}

const rootOf = (name: string): string => name.split('.')[0];
const stab = (s: Stability | undefined): string => s ?? 'development';
const dep = (d: Deprecation | undefined): TemplateDeprecation | null =>
  d ? { reason: d.reason, note: d.note, renamed_to: d.renamedTo ?? null } : null;

function attribute(a: Attribute, signals: string[] = []): TemplateAttribute {
  const t = a.type;
  return {
    key: a.key,
    type: t.kind === 'enum' ? t.valueType : t.type,
    kind: t.kind,
    is_template: t.kind === 'template',
    is_enum: t.kind === 'enum',
    brief: a.brief,
    note: a.note,
    examples: a.examples,
    stability: stab(a.stability),
    is_stable: a.stability === 'stable',
    deprecated: dep(a.deprecated),
    is_deprecated: !!a.deprecated || a.stability === 'deprecated',
    root_namespace: rootOf(a.key),
    members:
      t.kind === 'enum'
        ? t.members.map((m) => ({
            id: m.id,
            value: m.value,
            brief: m.brief,
            note: m.note,
            stability: stab(m.stability),
            is_stable: m.stability === 'stable',
            deprecated: dep(m.deprecated),
            is_deprecated: !!m.deprecated || m.stability === 'deprecated',
          }))
        : [],
    allow_custom_values: t.kind === 'enum' ? t.allowCustomValues : true,
    signals,
  };
}

const SIGNAL_KINDS: Partial<Record<Group['kind'], string>> = {
  span: 'span',
  event: 'event',
  metric: 'metric',
  resource: 'resource',
  entity: 'resource',
  scope: 'scope',
};

/** attribute key -> the sorted signal kinds of the groups that use it */
function signalsByKey(groups: Group[]): Map<string, string[]> {
  const by = new Map<string, Set<string>>();
  for (const g of groups) {
    const kind = SIGNAL_KINDS[g.kind];
    if (!kind) continue;
    for (const a of g.attributes) {
      const set = by.get(a.key);
      if (set) set.add(kind);
      else by.set(a.key, new Set([kind]));
    }
  }
  return new Map([...by].map(([k, v]) => [k, [...v].sort()]));
}

function signal(g: Group, name: string): TemplateSignal {
  return {
    name,
    brief: g.brief,
    note: g.note,
    stability: stab(g.stability),
    is_stable: g.stability === 'stable',
    deprecated: dep(g.deprecated),
    is_deprecated: !!g.deprecated || g.stability === 'deprecated',
    root_namespace: rootOf(name),
    attributes: g.attributes.map((a) => a.key),
    instrument: g.instrument ?? '',
    unit: g.unit ?? '',
  };
}

/** One signal per name: refinements and imported duplicates never add a second constant. */
function signals(groups: Group[], nameOf: (g: Group) => string | undefined): TemplateSignal[] {
  const byName = new Map<string, TemplateSignal>();
  for (const g of groups) {
    const name = nameOf(g);
    if (!name || g.refines || byName.has(name)) continue;
    byName.set(name, signal(g, name));
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function toTemplateRegistry(r: ResolvedRegistry): TemplateRegistry {
  const used = signalsByKey(r.groups);
  const attributes = r.attributes.map((a) => attribute(a, used.get(a.key)));
  const metrics = signals(
    r.groups.filter((g) => g.kind === 'metric'),
    (g) => g.metricName,
  );
  const events = signals(
    r.groups.filter((g) => g.kind === 'event'),
    (g) => g.eventName,
  );
  const names = [...new Set([...attributes, ...metrics, ...events].map((x) => x.root_namespace))].sort();
  const byNamespace = {
    attributes: groupByNamespace(attributes),
    metrics: groupByNamespace(metrics),
    events: groupByNamespace(events),
  };
  return {
    name: r.manifest.name ?? '',
    version: r.manifest.semconvVersion ?? r.manifest.schemaUrl?.split('/').pop() ?? '',
    schema_url: r.manifest.schemaUrl ?? '',
    attributes,
    metrics,
    events,
    namespaces: names.map((name) => ({
      name,
      attributes: byNamespace.attributes.get(name) ?? [],
      metrics: byNamespace.metrics.get(name) ?? [],
      events: byNamespace.events.get(name) ?? [],
    })),
  };
}

/** Items by root namespace in one pass, in their order (a filter per namespace is quadratic: a registry of 4,000 namespaces took seconds). */
function groupByNamespace<T extends { root_namespace: string }>(items: T[]): Map<string, T[]> {
  const by = new Map<string, T[]>();
  for (const item of items) {
    const list = by.get(item.root_namespace);
    if (list) list.push(item);
    else by.set(item.root_namespace, [item]);
  }
  return by;
}
