import { type Location, locOf } from './location.js';
import type { RawImports } from './raw.js';

export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

export function fileLoc(file: string): Location {
  return { file, line: 1, column: 1 };
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export function normalizeImports(v: unknown, file: string): RawImports | undefined {
  const r = asRecord(v);
  if (!r) return undefined;
  return {
    attributeGroups: strings(r.attribute_groups),
    metrics: strings(r.metrics),
    events: strings(r.events),
    entities: strings(r.entities),
    spans: strings(r.spans),
    location: locOf(v) ?? fileLoc(file),
  };
}
