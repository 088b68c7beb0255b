import type { DiagnosticSink } from './diagnostics.js';
import type { Location } from './location.js';
import type {
  Attribute,
  AttributeUse,
  Group,
  GroupKind,
  Manifest,
  RawText,
  ResolvedRegistry,
} from './model.js';
import { asRecord } from './normalize-util.js';
import type { RawAttributeDef, RawFile, RawGroup, RawImports } from './raw.js';
import { closest, exampleForm, examplesOf, matchesWildcard, rawText, str } from './text.js';
import { parseDeprecated, parseRequirementLevel, parseStability, parseType } from './values.js';

const GROUP_KINDS: readonly string[] = [
  'attribute_group',
  'span',
  'event',
  'metric',
  'entity',
  'metric_group',
  'scope',
  'resource',
  'undefined',
];
const INSTRUMENTS = ['counter', 'updowncounter', 'gauge', 'histogram'];

interface Catalog {
  defs: Map<string, { raw: RawAttributeDef; imported: boolean }>;
  resolved: Map<string, Attribute>;
}

/**
 * Resolution: builds the attribute catalog, then every group with `extends`, `ref` (with
 * overrides), `ref_group` and v2 refinements applied. Errors go to the sink and resolution goes on,
 * so one run reports all of them.
 */
export function resolveRegistry(
  root: string,
  manifest: Manifest,
  local: RawFile[],
  dependencies: RawFile[],
  sink: DiagnosticSink,
): ResolvedRegistry {
  const imports = local.map((f) => f.imports).filter((i): i is RawImports => !!i);
  const depGroups = dependencies.flatMap((f) => f.groups).map((g) => ({ ...g, imported: true }));
  const importedGroups = depGroups.filter((g) => g.synthetic || isImported(g, imports));
  const localGroups = local.flatMap((f) => f.groups);

  const catalog: Catalog = { defs: new Map(), resolved: new Map() };
  for (const g of [...depGroups, ...localGroups]) {
    for (const a of g.attributes) {
      if (a.kind !== 'def') continue;
      const prev = catalog.defs.get(a.key);
      if (prev && !prev.imported) {
        sink.error(
          'duplicate-attribute',
          a.location,
          `attribute \`${a.key}\` is defined twice (first at ${prev.raw.location.file}:${prev.raw.location.line})`,
          'keep one definition and `ref` it elsewhere',
        );
        continue;
      }
      catalog.defs.set(a.key, { raw: a, imported: g.imported });
    }
  }

  const byId = new Map<string, RawGroup>();
  for (const g of [...importedGroups, ...localGroups]) {
    if (!g.id) continue;
    const prev = byId.get(g.id);
    if (prev && !prev.imported) {
      sink.error(
        'duplicate-group-id',
        g.location,
        `group id \`${g.id}\` is used twice (first at ${prev.location.file}:${prev.location.line})`,
        'give every group a unique id',
      );
      continue;
    }
    byId.set(g.id, g);
  }
  // Dependency groups that were not imported are still reachable through extends/ref_group.
  const reachable = new Map<string, RawGroup>(depGroups.map((g) => [g.id, g]));
  for (const [id, g] of byId) reachable.set(id, g);

  const resolved = new Map<string, Group>();
  const reported = new Set<string>();
  const resolveGroup = (id: string, stack: string[], from: Location): Group | undefined => {
    const done = resolved.get(id);
    if (done) return done;
    const raw = reachable.get(id);
    if (!raw) return undefined;
    if (stack.includes(id)) {
      const cycle = [...stack.slice(stack.indexOf(id)), id].join(' -> ');
      if (!reported.has(cycle)) {
        reported.add(cycle);
        sink.error(
          'extends-cycle',
          from,
          `cycle: ${cycle}`,
          'remove one `extends` or `ref_group` so the chain ends',
        );
      }
      return undefined;
    }
    const g = buildGroup(raw, [...stack, id], catalog, sink, resolveGroup, reachable);
    resolved.set(id, g);
    return g;
  };
  for (const id of byId.keys()) resolveGroup(id, [], byId.get(id)!.location);

  const groups = [...byId.values()]
    .filter((g) => !g.synthetic)
    .map((g) => resolved.get(g.id))
    .filter((g): g is Group => !!g)
    .sort((a, b) => a.id.localeCompare(b.id));

  // Local definitions, plus dependency definitions that local or imported groups use.
  const used = new Set(groups.flatMap((g) => g.attributes.map((a) => a.key)));
  const attributes = [...catalog.defs.entries()]
    .filter(([key, d]) => !d.imported || used.has(key))
    .map(([key]) => attributeOf(key, catalog, sink)!)
    .sort((a, b) => a.key.localeCompare(b.key));

  return { root, manifest, attributes, groups, files: local.map((f) => f.file) };
}

function isImported(g: RawGroup, imports: RawImports[]): boolean {
  const name = g.id.replace(/^(metric|event|span|entity)\./, '');
  const metricName = str(g.fields.metric_name) || name;
  const pick = (i: RawImports): string[] => {
    switch (g.type) {
      case 'metric':
        return i.metrics;
      case 'event':
        return i.events;
      case 'entity':
        return i.entities;
      case 'span':
        return i.spans;
      default:
        return i.attributeGroups;
    }
  };
  return imports.some((i) =>
    pick(i).some(
      (p) => matchesWildcard(p, g.type === 'metric' ? metricName : g.id) || matchesWildcard(p, name),
    ),
  );
}

function attributeOf(key: string, catalog: Catalog, sink: DiagnosticSink): Attribute | undefined {
  const cached = catalog.resolved.get(key);
  if (cached) return cached;
  const entry = catalog.defs.get(key);
  if (!entry) return undefined;
  const f = entry.raw.fields;
  const loc = entry.raw.location;
  const attr: Attribute = {
    key,
    type: parseType(f.type, loc, sink),
    brief: str(f.brief),
    note: str(f.note),
    examples: examplesOf(f.examples),
    ...exampleForm(f.examples),
    ...rawText(f.brief, f.note),
    stability: parseStability(f.stability, loc, sink),
    deprecated: parseDeprecated(f.deprecated, loc, sink),
    annotations: asRecord(f.annotations) ?? {},
    imported: entry.imported,
    location: loc,
  };
  catalog.resolved.set(key, attr);
  return attr;
}

type GroupResolver = (id: string, stack: string[], from: Location) => Group | undefined;

function buildGroup(
  raw: RawGroup,
  stack: string[],
  catalog: Catalog,
  sink: DiagnosticSink,
  resolveGroup: GroupResolver,
  reachable: Map<string, RawGroup>,
): Group {
  const f = raw.fields;
  const loc = raw.location;
  const uses = new Map<string, AttributeUse>();
  let base: Group | undefined;

  const parentId = raw.extends ?? raw.refines;
  if (parentId) {
    base = resolveGroup(parentId, stack, loc);
    if (!base && !reachable.has(parentId)) {
      const hint = closest(parentId, reachable.keys());
      const what = raw.extends ? 'extends' : 'refines';
      sink.error(
        'unresolved-extends',
        loc,
        `group \`${raw.id}\` ${what} \`${parentId}\`, which does not exist`,
        hint ? `did you mean \`${hint}\`?` : 'define that group or fix the id',
      );
    }
    for (const a of base?.attributes ?? []) uses.set(a.key, a);
  }

  for (const entry of raw.attributes) {
    if (entry.kind === 'ref_group') {
      const target = resolveGroup(entry.refGroup, stack, entry.location);
      if (!target && !reachable.has(entry.refGroup)) {
        const hint = closest(entry.refGroup, reachable.keys());
        sink.error(
          'unresolved-ref-group',
          entry.location,
          `ref_group \`${entry.refGroup}\` does not exist`,
          hint ? `did you mean \`${hint}\`?` : 'define that attribute group or fix the id',
        );
      }
      for (const a of target?.attributes ?? []) uses.set(a.key, a);
      continue;
    }
    const key = entry.kind === 'def' ? entry.key : entry.ref;
    const def = attributeOf(key, catalog, sink);
    if (!def) {
      const hint = closest(key, catalog.defs.keys());
      sink.error(
        'unresolved-ref',
        entry.location,
        `ref \`${key}\` does not match any attribute`,
        hint ? `did you mean \`${hint}\`?` : 'define the attribute (id/key) or fix the name',
      );
      continue;
    }
    const o = entry.fields;
    const inherited = uses.get(key);
    uses.set(key, {
      key,
      brief: str(o.brief) || inherited?.brief || def.brief,
      note: str(o.note) || inherited?.note || def.note,
      examples: o.examples !== undefined ? examplesOf(o.examples) : (inherited?.examples ?? def.examples),
      ...rawOf(o, inherited ?? def),
      ...(o.examples !== undefined
        ? exampleForm(o.examples)
        : (inherited ?? def).exampleIsValue
          ? { exampleIsValue: true as const }
          : {}),
      requirementLevel:
        o.requirement_level !== undefined
          ? parseRequirementLevel(o.requirement_level, entry.location, sink)
          : (inherited?.requirementLevel ?? { level: 'recommended' }),
      stability:
        entry.kind === 'ref' && o.stability !== undefined
          ? parseStability(o.stability, entry.location, sink)
          : (inherited?.stability ?? def.stability),
      deprecated:
        entry.kind === 'ref' && o.deprecated !== undefined
          ? parseDeprecated(o.deprecated, entry.location, sink)
          : (inherited?.deprecated ?? def.deprecated),
    });
  }

  const type = raw.type;
  if (!GROUP_KINDS.includes(type)) {
    sink.error(
      'invalid-group-type',
      loc,
      `unknown group type \`${type}\``,
      `use one of: ${GROUP_KINDS.join(', ')}`,
    );
  }
  const instrument = str(f.instrument) || base?.instrument;
  return {
    id: raw.id,
    kind: (GROUP_KINDS.includes(type) ? type : 'undefined') as GroupKind,
    brief: str(f.brief) || base?.brief || '',
    note: str(f.note) || base?.note || '',
    ...rawOf(f, base ?? {}),
    stability: parseStability(f.stability, loc, sink) ?? base?.stability,
    deprecated: parseDeprecated(f.deprecated, loc, sink) ?? base?.deprecated,
    visibility: f.visibility === 'internal' ? 'internal' : 'public',
    annotations: asRecord(f.annotations) ?? base?.annotations ?? {},
    attributes: [...uses.values()],
    metricName: str(f.metric_name) || base?.metricName || undefined,
    instrument:
      instrument && INSTRUMENTS.includes(instrument) ? (instrument as Group['instrument']) : undefined,
    unit: typeof f.unit === 'string' ? f.unit : base?.unit,
    eventName:
      type === 'event' ? str(f.name) || base?.eventName || raw.id.replace(/^event\./, '') : undefined,
    spanKind: str(f.span_kind) || base?.spanKind || undefined,
    entityType: type === 'entity' ? str(f.name) || str(f.type) || raw.id.replace(/^entity\./, '') : undefined,
    refines: raw.refines,
    imported: raw.imported,
    location: loc,
  };
}

/** a use's raw brief and note: its own override's where it has one, else the one it inherits */
function rawOf(o: Record<string, unknown>, from: { raw?: RawText }): { raw?: RawText } {
  const own = rawText(o.brief, o.note).raw;
  const raw: RawText = {
    ...(str(o.brief)
      ? own?.brief !== undefined
        ? { brief: own.brief }
        : {}
      : from.raw?.brief !== undefined
        ? { brief: from.raw.brief }
        : {}),
    ...(str(o.note)
      ? own?.note !== undefined
        ? { note: own.note }
        : {}
      : from.raw?.note !== undefined
        ? { note: from.raw.note }
        : {}),
  };
  return raw.brief !== undefined || raw.note !== undefined ? { raw } : {};
}
