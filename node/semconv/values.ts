import type { DiagnosticSink } from './diagnostics.js';
import { type Location, locOf } from './location.js';
import type {
  AttributeType,
  Deprecation,
  EnumMember,
  PrimitiveType,
  RequirementLevel,
  Stability,
} from './model.js';
import { asRecord } from './normalize-util.js';
import { rawText } from './text.js';

/** Parsers of the small value grammars (type, stability, deprecated, requirement level); each reports what it rejects. */

export const PRIMITIVES: readonly PrimitiveType[] = [
  'string',
  'int',
  'double',
  'boolean',
  'any',
  'string[]',
  'int[]',
  'double[]',
  'boolean[]',
];
const STABILITIES: readonly string[] = [
  'stable',
  'development',
  'alpha',
  'beta',
  'release_candidate',
  'deprecated',
];
const LEVELS = ['required', 'recommended', 'opt_in'];

export function parseStability(v: unknown, loc: Location, sink: DiagnosticSink): Stability | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'experimental') return 'development'; // older registries; Weaver reads it as development
  if (typeof v === 'string' && STABILITIES.includes(v)) return v as Stability;
  sink.error(
    'invalid-stability',
    loc,
    `unknown stability ${JSON.stringify(v)}`,
    `use one of: ${STABILITIES.join(', ')}`,
  );
  return undefined;
}

const RENAMED = /^(?:replaced|renamed) by `([^`]+)`/i;

export function parseDeprecated(v: unknown, loc: Location, sink: DiagnosticSink): Deprecation | undefined {
  if (v === undefined || v === null || v === false) return undefined;
  if (typeof v === 'string') {
    const m = RENAMED.exec(v.trim());
    return { reason: 'uncategorized', note: v.trim(), renamedTo: m?.[1] };
  }
  const r = asRecord(v);
  const note = typeof r?.note === 'string' ? r.note.trim() : '';
  if (r?.reason === 'renamed') {
    if (typeof r.renamed_to !== 'string' || !r.renamed_to) {
      sink.error(
        'invalid-deprecated',
        loc,
        'deprecated `reason: renamed` without `renamed_to`',
        'add `renamed_to: <the new name>`',
      );
      return { reason: 'renamed', note };
    }
    return { reason: 'renamed', note: note || `Replaced by \`${r.renamed_to}\`.`, renamedTo: r.renamed_to };
  }
  if (r?.reason === 'obsoleted' || r?.reason === 'uncategorized') {
    const m = RENAMED.exec(note);
    return { reason: r.reason, note, renamedTo: m?.[1] };
  }
  sink.error(
    'invalid-deprecated',
    loc,
    `invalid deprecated value ${JSON.stringify(v)}`,
    'write a string, or `{reason: renamed, renamed_to: x}`, `{reason: obsoleted, note: ...}` or `{reason: uncategorized, note: ...}`',
  );
  return { reason: 'uncategorized', note: String(v) };
}

export function parseRequirementLevel(v: unknown, loc: Location, sink: DiagnosticSink): RequirementLevel {
  if (v === undefined || v === null) return { level: 'recommended' };
  if (typeof v === 'string' && LEVELS.includes(v))
    return { level: v as 'required' | 'recommended' | 'opt_in' };
  const r = asRecord(v);
  if (r && typeof r.conditionally_required === 'string')
    return { level: 'conditionally_required', text: r.conditionally_required };
  if (r && typeof r.recommended === 'string') return { level: 'recommended', text: r.recommended };
  sink.error(
    'invalid-requirement-level',
    loc,
    `invalid requirement_level ${JSON.stringify(v)}`,
    'use required, recommended, opt_in or `conditionally_required: <when>`',
  );
  return { level: 'recommended' };
}

const TEMPLATE = /^template\[(.+)\]$/;

export function parseType(v: unknown, loc: Location, sink: DiagnosticSink): AttributeType {
  if (typeof v === 'string') {
    if ((PRIMITIVES as readonly string[]).includes(v)) return { kind: 'primitive', type: v as PrimitiveType };
    const m = TEMPLATE.exec(v);
    if (m && (PRIMITIVES as readonly string[]).includes(m[1]))
      return { kind: 'template', type: m[1] as PrimitiveType };
  }
  const r = asRecord(v);
  if (r && Array.isArray(r.members)) return parseEnum(r, loc, sink);
  sink.error(
    'invalid-type',
    loc,
    `invalid attribute type ${JSON.stringify(v)}`,
    `use one of ${PRIMITIVES.join(', ')}, template[<type>], or an enum \`{members: [{id, value}]}\``,
  );
  return { kind: 'primitive', type: 'string' };
}

function parseEnum(r: Record<string, unknown>, loc: Location, sink: DiagnosticSink): AttributeType {
  const members: EnumMember[] = [];
  const seenIds = new Map<string, Location>();
  const seenValues = new Map<string, { loc: Location; deprecated: boolean }>();
  for (const m of r.members as unknown[]) {
    const mr = asRecord(m);
    const mloc = locOf(m) ?? loc;
    if (!mr || typeof mr.id !== 'string') {
      sink.error(
        'invalid-enum-member',
        mloc,
        'enum member has no `id`',
        'give each member an `id` and a `value`',
      );
      continue;
    }
    const value = mr.value ?? mr.id;
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      sink.error(
        'invalid-enum-member',
        mloc,
        `enum member \`${mr.id}\` has a value that is not a string, number or boolean`,
        'give it a scalar `value`',
      );
      continue;
    }
    const prevId = seenIds.get(mr.id);
    if (prevId)
      sink.error(
        'duplicate-enum-member',
        mloc,
        `duplicate enum member id \`${mr.id}\` (first at line ${prevId.line})`,
        'give each member a distinct `id`',
      );
    const vkey = JSON.stringify(value);
    const prevValue = seenValues.get(vkey);
    // A deprecated member may alias its replacement's value (upstream does this for renames).
    if (prevValue && !prevValue.deprecated && mr.deprecated === undefined)
      sink.error(
        'duplicate-enum-member',
        mloc,
        `duplicate enum member value ${vkey} (first at line ${prevValue.loc.line})`,
        'give each member a distinct `value`',
      );
    seenIds.set(mr.id, mloc);
    seenValues.set(vkey, {
      loc: mloc,
      deprecated: mr.deprecated !== undefined || (prevValue?.deprecated ?? false),
    });
    members.push({
      id: mr.id,
      value: value as string | number | boolean,
      brief: typeof mr.brief === 'string' ? mr.brief.trim() : '',
      note: typeof mr.note === 'string' ? mr.note.trim() : '',
      stability: parseStability(mr.stability, mloc, sink),
      deprecated: parseDeprecated(mr.deprecated, mloc, sink),
      ...rawText(mr.brief, mr.note),
      ...(mr.annotations && typeof mr.annotations === 'object' && !Array.isArray(mr.annotations)
        ? { annotations: mr.annotations as Record<string, unknown> }
        : {}),
    });
  }
  const kinds = new Set(
    members.map((m) =>
      typeof m.value === 'number' ? (Number.isInteger(m.value) ? 'int' : 'double') : typeof m.value,
    ),
  );
  const valueType = kinds.has('string')
    ? 'string'
    : kinds.has('double')
      ? 'double'
      : kinds.has('int')
        ? 'int'
        : kinds.has('boolean')
          ? 'boolean'
          : 'string';
  if (kinds.size > 1 && !(kinds.size === 2 && kinds.has('int') && kinds.has('double'))) {
    sink.error(
      'invalid-enum-member',
      loc,
      `enum mixes value types (${[...kinds].join(', ')})`,
      'make every member value the same type',
    );
  }
  return { kind: 'enum', valueType, members, allowCustomValues: r.allow_custom_values !== false };
}
