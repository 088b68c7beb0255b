import type { AttributeType, Deprecation, Group, ResolvedRegistry } from './model.js';

/**
 * What changed between two releases of a registry (`registry diff`), in the spirit of Weaver's
 * schema changes: per kind of item (registry attributes, metrics, events, spans, entities), each
 * item added, removed, renamed (deprecated with `renamed_to` a current item), deprecated (in another
 * way), or whose type changed (attributes: primitive type or enum members; metrics: instrument or
 * unit). Items are named by key (attributes), metric name, event name or group id.
 */
export type Change =
  | { type: 'added'; name: string }
  | { type: 'removed'; name: string }
  | { type: 'renamed'; old_name: string; new_name: string; note: string }
  | { type: 'deprecated'; name: string; note: string }
  | { type: 'type_changed'; name: string; from: string; to: string };

export type ChangeKind = 'registry_attributes' | 'metrics' | 'events' | 'spans' | 'entities';

export interface RegistryDiff {
  baseline: string;
  head: string;
  changes: Record<ChangeKind, Change[]>;
}

interface Item {
  name: string;
  deprecated?: Deprecation;
  shape: string;
}

const typeText = (t: AttributeType): string =>
  t.kind === 'primitive'
    ? t.type
    : t.kind === 'template'
      ? `template[${t.type}]`
      : `enum {${t.members.map((m) => String(m.value)).join(', ')}}`;

function items(r: ResolvedRegistry): Record<ChangeKind, Map<string, Item>> {
  const signal = (kind: Group['kind'], name: (g: Group) => string, shape: (g: Group) => string) =>
    new Map(
      r.groups
        .filter((g) => g.kind === kind && !g.refines)
        .map((g) => [
          name(g),
          { name: name(g), ...(g.deprecated ? { deprecated: g.deprecated } : {}), shape: shape(g) },
        ]),
    );
  return {
    registry_attributes: new Map(
      r.attributes.map((a) => [
        a.key,
        { name: a.key, ...(a.deprecated ? { deprecated: a.deprecated } : {}), shape: typeText(a.type) },
      ]),
    ),
    metrics: signal(
      'metric',
      (g) => g.metricName ?? g.id,
      (g) => `${g.instrument ?? '?'} ${g.unit ?? ''}`.trim(),
    ),
    events: signal(
      'event',
      (g) => g.eventName ?? g.id,
      () => '',
    ),
    spans: signal(
      'span',
      (g) => g.id,
      (g) => g.spanKind ?? '',
    ),
    entities: signal(
      'entity',
      (g) => g.entityType ?? g.id,
      () => '',
    ),
  };
}

export function diffRegistries(baseline: ResolvedRegistry, head: ResolvedRegistry): RegistryDiff {
  const before = items(baseline);
  const after = items(head);
  const changes = {} as Record<ChangeKind, Change[]>;
  for (const kind of Object.keys(after) as ChangeKind[]) {
    const out: Change[] = [];
    const was = before[kind];
    const now = after[kind];
    for (const [name, item] of [...now].sort(([a], [b]) => a.localeCompare(b))) {
      const old = was.get(name);
      if (!old) {
        out.push({ type: 'added', name });
        continue;
      }
      if (item.deprecated && !old.deprecated) {
        const d = item.deprecated;
        if (d.reason === 'renamed' && d.renamedTo)
          out.push({ type: 'renamed', old_name: name, new_name: d.renamedTo, note: d.note });
        else out.push({ type: 'deprecated', name, note: d.note });
      }
      if (old.shape !== item.shape) out.push({ type: 'type_changed', name, from: old.shape, to: item.shape });
    }
    for (const name of [...was.keys()].sort()) if (!now.has(name)) out.push({ type: 'removed', name });
    changes[kind] = out;
  }
  return { baseline: baseline.root, head: head.root, changes };
}

export function formatDiff(d: RegistryDiff): string {
  const lines: string[] = [];
  for (const [kind, changes] of Object.entries(d.changes)) {
    if (changes.length === 0) continue;
    lines.push(`${kind.replace('_', ' ')}:`);
    for (const c of changes)
      lines.push(
        c.type === 'renamed'
          ? `  renamed     ${c.old_name} -> ${c.new_name}`
          : c.type === 'type_changed'
            ? `  changed     ${c.name}: ${c.from} -> ${c.to}`
            : `  ${c.type.padEnd(11)} ${c.name}${c.type === 'deprecated' && c.note ? ` (${c.note})` : ''}`,
      );
  }
  const count = (t: Change['type']) =>
    Object.values(d.changes)
      .flat()
      .filter((c) => c.type === t).length;
  lines.push(
    `${count('added')} added, ${count('removed')} removed, ${count('renamed')} renamed, ${count('deprecated')} deprecated, ${count('type_changed')} changed`,
  );
  return lines.join('\n');
}
