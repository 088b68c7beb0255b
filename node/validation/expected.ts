import { goName, screamingSnakeCase } from '../generation/case.js';
import type { TemplateRegistry } from '../generation/template-model.js';

/** A symbol the registry says a pack should emit. */
export interface ExpectedSymbol {
  kind: 'attribute' | 'template' | 'member' | 'metric' | 'event';
  /** attribute key, metric or event name; for members, the attribute key */
  key: string;
  memberId?: string;
  value: string | number | boolean;
  brief: string;
  deprecated: boolean;
  /**
   * A member of a deprecated attribute that is not deprecated itself: deprecated for its users
   * through its attribute, so a pack may mark it or not (the official packages differ).
   */
  parentDeprecated?: boolean;
}

export interface EmitScope {
  /** 'all' or 'stable' */
  stability: string;
  /** 'include' or 'omit' */
  deprecated: string;
}

/**
 * The symbols a pack should emit for this registry and scope. Items whose names collide after
 * case conversion (a deprecated alias and its replacement) count once, as packs emit one of them
 * (see unique below).
 */
export function expectedSymbols(
  model: TemplateRegistry,
  scope: EmitScope = { stability: 'all', deprecated: 'include' },
): ExpectedSymbol[] {
  const keep = <T extends { is_stable: boolean; is_deprecated: boolean }>(x: T) =>
    (scope.stability !== 'stable' || x.is_stable) && (scope.deprecated !== 'omit' || !x.is_deprecated);
  const out: ExpectedSymbol[] = [];
  for (const a of unique(model.attributes, (a) => a.key).filter(keep)) {
    out.push({
      kind: a.is_template ? 'template' : 'attribute',
      key: a.key,
      value: a.key,
      brief: a.brief,
      deprecated: a.is_deprecated,
    });
    for (const m of unique(a.members, (m) => m.id).filter(keep)) {
      out.push({
        kind: 'member',
        key: a.key,
        memberId: m.id,
        value: m.value,
        brief: m.brief,
        deprecated: m.is_deprecated,
        ...(a.is_deprecated && !m.is_deprecated ? { parentDeprecated: true } : {}),
      });
    }
  }
  for (const m of unique(model.metrics, (m) => m.name).filter(keep))
    out.push({ kind: 'metric', key: m.name, value: m.name, brief: m.brief, deprecated: m.is_deprecated });
  for (const e of unique(model.events, (e) => e.name).filter(keep))
    out.push({ kind: 'event', key: e.name, value: e.name, brief: e.brief, deprecated: e.is_deprecated });
  return out;
}

/**
 * A value the registry defines, under the item a symbol holding it must name. Every item of every
 * scope (so an item the pack's scope leaves out, or a deprecated alias whose name a current item
 * holds, is not an invention when emitted), and what the registry says about them that packs
 * legitimately emit beside the keys: a metric's unit, instrument and description (its brief), an
 * event's description, the registry's schema URL and version.
 */
export interface RegistryValue {
  /** the item kinds of ExpectedSymbol, or registry data attached to an item */
  kind: ExpectedSymbol['kind'] | 'unit' | 'instrument' | 'description' | 'schema_url' | 'version';
  /** what a symbol's name must carry: the item's key (attribute key, metric or event name), `schema_url`, `version` */
  key: string;
  memberId?: string;
  value: string | number | boolean;
}

/** Every value the registry defines (see RegistryValue): what a symbol may hold without being invented. */
export function registryValues(model: TemplateRegistry): RegistryValue[] {
  const out: RegistryValue[] = [];
  for (const a of model.attributes) {
    out.push({ kind: a.is_template ? 'template' : 'attribute', key: a.key, value: a.key });
    for (const m of a.members) out.push({ kind: 'member', key: a.key, memberId: m.id, value: m.value });
  }
  for (const m of model.metrics) {
    out.push({ kind: 'metric', key: m.name, value: m.name });
    if (m.unit) out.push({ kind: 'unit', key: m.name, value: m.unit });
    if (m.instrument) out.push({ kind: 'instrument', key: m.name, value: m.instrument });
    if (m.brief) out.push({ kind: 'description', key: m.name, value: m.brief });
  }
  for (const e of model.events) {
    out.push({ kind: 'event', key: e.name, value: e.name });
    if (e.brief) out.push({ kind: 'description', key: e.name, value: e.brief });
  }
  if (model.schema_url) out.push({ kind: 'schema_url', key: 'schema_url', value: model.schema_url });
  if (model.version) out.push({ kind: 'version', key: 'version', value: model.version });
  return out;
}

/**
 * One item per name: items whose names collide after case conversion, in SCREAMING_SNAKE_CASE or as
 * the Go semconv package spells them (its acronyms merge `replicationcontroller` and
 * `replication_controller`, `zos` and `z_os`), count once, the non-deprecated one kept.
 */
function unique<T extends { is_deprecated: boolean }>(items: T[], id: (x: T) => string): T[] {
  return uniqueBy(
    uniqueBy(items, (x) => screamingSnakeCase(id(x))),
    (x) => goName(id(x)),
  );
}

function uniqueBy<T extends { is_deprecated: boolean }>(items: T[], name: (x: T) => string): T[] {
  const byName = new Map<string, T>();
  for (const x of items) {
    const n = name(x);
    const prev = byName.get(n);
    if (!prev || (prev.is_deprecated && !x.is_deprecated)) byName.set(n, x);
  }
  const kept = new Set(byName.values());
  return items.filter((x) => kept.has(x));
}
