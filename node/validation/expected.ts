import { screamingSnakeCase } from '../generation/case.js';
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
}

export interface EmitScope {
  /** 'all' or 'stable' */
  stability: string;
  /** 'include' or 'omit' */
  deprecated: string;
}

/**
 * The symbols a pack should emit for this registry and scope. Items whose names collide after
 * case conversion (a deprecated alias and its replacement) count once, as packs emit one of them.
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
      });
    }
  }
  for (const m of unique(model.metrics, (m) => m.name).filter(keep))
    out.push({ kind: 'metric', key: m.name, value: m.name, brief: m.brief, deprecated: m.is_deprecated });
  for (const e of unique(model.events, (e) => e.name).filter(keep))
    out.push({ kind: 'event', key: e.name, value: e.name, brief: e.brief, deprecated: e.is_deprecated });
  return out;
}

function unique<T extends { is_deprecated: boolean }>(items: T[], id: (x: T) => string): T[] {
  const byName = new Map<string, T>();
  for (const x of items) {
    const name = screamingSnakeCase(id(x));
    const prev = byName.get(name);
    if (!prev || (prev.is_deprecated && !x.is_deprecated)) byName.set(name, x);
  }
  const kept = new Set(byName.values());
  return items.filter((x) => kept.has(x));
}
