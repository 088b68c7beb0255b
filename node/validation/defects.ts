/**
 * What is wrong with a candidate, item by item: the symbol checks' findings, each located in the
 * generated files where that is known and worded so that a model or a person can act on it.
 */
export type DefectKind =
  | 'missing'
  | 'wrong_value'
  | 'wrong_name'
  | 'invented'
  | 'unmarked_deprecated'
  | 'falsely_deprecated'
  | 'undocumented';

export interface Defect {
  kind: DefectKind;
  /** the registry item (attribute key, `key#member`, metric or event name), or the emitted name for `invented` */
  item: string;
  /** the official name the language's package uses, when there is one */
  expected?: string;
  /** what the candidate emitted: its name (and value for wrong_value) */
  found?: string;
  /** where, in the generated files, when known */
  file?: string;
  line?: number;
  /** one line a model or a person can act on, naming the item, the location and the fix */
  message: string;
}

/** Every kind, correctness first (the order defects are listed in, so a capped list keeps those). */
export const DEFECT_KINDS: readonly DefectKind[] = [
  'missing',
  'wrong_value',
  'wrong_name',
  'invented',
  'unmarked_deprecated',
  'falsely_deprecated',
  'undocumented',
];

/** Kinds that make a candidate wrong; `undocumented` is a quality issue, not a correctness one. */
export const CORRECTNESS_KINDS: readonly DefectKind[] = DEFECT_KINDS.filter((k) => k !== 'undocumented');

/** The longest list of defects a report carries (`defectsTotal` and `defectCounts` count them all). */
export const DEFECT_CAP = 1000;

export const isCorrectnessDefect = (kind: DefectKind): boolean => kind !== 'undocumented';

export function emptyCounts(): Record<DefectKind, number> {
  return Object.fromEntries(DEFECT_KINDS.map((k) => [k, 0])) as Record<DefectKind, number>;
}

/** `a.ts:3`, or '' when the place is unknown */
export const at = (d: { file?: string; line?: number }): string =>
  d.file ? `${d.file}${d.line ? `:${d.line}` : ''}` : '';

/** A value as the messages quote it. */
export const quote = (v: string | number | boolean): string => JSON.stringify(v);

/** Long free text (a brief) shortened to one line for a message. */
export function excerpt(text: string, max = 100): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
