/**
 * Weaver's case filters (weaver_forge: snake_case, pascal_case, ...): dots count as underscores,
 * and a word boundary is an underscore, a hyphen, a space, a lower letter followed by an upper one,
 * or the last upper letter of an acronym run before a lower one ("HTTPServer" is HTTP + Server).
 * Digits are never boundaries ("k8s", "v8js" stay one word).
 */
export type CaseName =
  | 'lower_case'
  | 'upper_case'
  | 'title_case'
  | 'pascal_case'
  | 'camel_case'
  | 'snake_case'
  | 'screaming_snake_case'
  | 'kebab_case'
  | 'screaming_kebab_case';

export function words(input: string): string[] {
  const out: string[] = [];
  for (const chunk of input.replace(/\./g, '_').split(/[_\- ]+/)) {
    if (!chunk) continue;
    let word = '';
    const cs = [...chunk];
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i];
      const prev = cs[i - 1];
      const next = cs[i + 1];
      const upper = isUpper(c);
      // lower -> Upper starts a word; in an acronym run, the last upper before a lower starts one
      if (
        word &&
        upper &&
        prev &&
        (isLower(prev) || (isUpper(prev) && next !== undefined && isLower(next)))
      ) {
        out.push(word);
        word = '';
      }
      word += c;
    }
    if (word) out.push(word);
  }
  return out;
}

const isUpper = (c: string) => c !== c.toLowerCase() && c === c.toUpperCase();
const isLower = (c: string) => c !== c.toUpperCase() && c === c.toLowerCase();
const capital = (w: string) => {
  const [first = '', ...rest] = [...w];
  return first.toUpperCase() + rest.join('').toLowerCase();
};

export function convertCase(input: string, to: CaseName): string {
  const ws = words(input);
  switch (to) {
    case 'lower_case':
      return ws.map((w) => w.toLowerCase()).join(' ');
    case 'upper_case':
      return ws.map((w) => w.toUpperCase()).join(' ');
    case 'title_case':
      return ws.map(capital).join(' ');
    case 'pascal_case':
      return ws.map(capital).join('');
    case 'camel_case':
      return ws.map((w, i) => (i === 0 ? w.toLowerCase() : capital(w))).join('');
    case 'snake_case':
      return ws.map((w) => w.toLowerCase()).join('_');
    case 'screaming_snake_case':
      return ws.map((w) => w.toUpperCase()).join('_');
    case 'kebab_case':
      return ws.map((w) => w.toLowerCase()).join('-');
    case 'screaming_kebab_case':
      return ws.map((w) => w.toUpperCase()).join('-');
  }
}

export const CASE_NAMES: CaseName[] = [
  'lower_case',
  'upper_case',
  'title_case',
  'pascal_case',
  'camel_case',
  'snake_case',
  'screaming_snake_case',
  'kebab_case',
  'screaming_kebab_case',
];

/** capitalize_first: the first character upper-cased, the rest as it is */
export const capitalizeFirst = (s: string) => {
  const [first = '', ...rest] = [...s];
  return first.toUpperCase() + rest.join('');
};

/**
 * The `acronym` filter: every word of the input (runs of word characters) that matches an entry of
 * weaver.yaml's `acronyms` case-insensitively is replaced by the entry's spelling.
 */
export function acronymFilter(acronyms: readonly string[]): (s: string) => string {
  const map = new Map(acronyms.map((a) => [a.toLowerCase(), a]));
  return (s) => s.replace(/\s+|\w+|[^\w\s]+/g, (m) => map.get(m.toLowerCase()) ?? m);
}
