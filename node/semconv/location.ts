/** Where something was written: 1-based line and column in a registry file. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

export function formatLocation(loc: Location): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** Turns a character offset of one file into a location; shared by every object read from that file. */
export interface SourceMap {
  file: string;
  at(offset: number): Location;
}

/**
 * Symbols under which the YAML reader hangs positions on plain objects. Symbol keys stay out of
 * Object.keys and JSON. Only offsets are stored: line and column are computed when a diagnostic
 * needs them, which keeps reading a large registry close to a plain parse.
 */
export const SRC = Symbol('weavergen.src');
export const OFFSET = Symbol('weavergen.offset');
export const KEY_OFFSETS = Symbol('weavergen.keyOffsets');

export interface Located {
  [SRC]?: SourceMap;
  [OFFSET]?: number;
  [KEY_OFFSETS]?: Record<string, number>;
}

/** Location of a value, or of one of its keys when that key was written. */
export function locOf(value: unknown, key?: string): Location | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Located;
  const src = v[SRC];
  if (!src) return undefined;
  const offset = (key !== undefined ? v[KEY_OFFSETS]?.[key] : undefined) ?? v[OFFSET];
  return offset === undefined ? undefined : src.at(offset);
}
