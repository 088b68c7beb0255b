/** Where something was written: 1-based line and column in a registry file. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

export function formatLocation(loc: Location): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** Symbols under which the YAML reader hangs positions on plain objects (non-enumerable). */
export const LOC = Symbol('weavergen.loc');
export const KEY_LOC = Symbol('weavergen.keyLoc');

export interface Located {
  [LOC]?: Location;
  [KEY_LOC]?: Record<string, Location>;
}

/** Location of a value, or of one of its keys when that key was written. */
export function locOf(value: unknown, key?: string): Location | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Located;
  if (key !== undefined) return v[KEY_LOC]?.[key] ?? v[LOC];
  return v[LOC];
}
