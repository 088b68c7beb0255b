/** Small string helpers shared by the resolver and the checks. */

export const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

export function examplesOf(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? [...v] : [v];
}

/** `{ exampleIsValue: true }` when the YAML gave one example rather than a list of them */
export const exampleForm = (v: unknown): { exampleIsValue?: true } =>
  v !== undefined && v !== null && !Array.isArray(v) ? { exampleIsValue: true } : {};

/** `{ raw }` with the brief and note as written where they differ from their trimmed text */
export function rawText(brief: unknown, note: unknown): { raw?: { brief?: string; note?: string } } {
  const raw: { brief?: string; note?: string } = {};
  if (typeof brief === 'string' && brief !== brief.trim()) raw.brief = brief;
  if (typeof note === 'string' && note !== note.trim()) raw.note = note;
  return raw.brief !== undefined || raw.note !== undefined ? { raw } : {};
}

/** Levenshtein distance, bounded: used only to suggest the closest existing name in an error. */
export function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(3, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

export function matchesWildcard(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return re.test(name);
}
