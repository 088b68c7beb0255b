import { createRequire } from 'node:module';
import type { Jq } from 'jq-web';
import { SEMCONV_JQ } from './semconv-jq.js';

// jq-web is CommonJS whose export is a promise; required, so every loader (node, vitest) sees the promise
const jqWeb = createRequire(import.meta.url)('jq-web') as Promise<Jq>;

/**
 * Runs a weaver.yaml jq filter (or `when` expression) over the registry with the semconv helpers
 * defined and the template's params bound as jq variables: `$params` (all of them) and `$<name>` for
 * each. Weaver runs jaq; this runs jq itself (jq-web: jq compiled to WebAssembly, no binary needed),
 * which accepts what the official template sets write. One output is that value, several a list of
 * them, none null. Synchronous once loaded: the caller bounds it in time (a worker it can stop).
 */
export async function runJq(
  input: unknown,
  filter: string,
  params: Record<string, unknown>,
): Promise<unknown> {
  const jq = await jqWeb;
  const args: string[] = ['-c', '--argjson', 'params', JSON.stringify(params)];
  for (const [k, v] of Object.entries(params))
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && k !== 'params')
      args.push('--argjson', k, JSON.stringify(v ?? null));
  const json = typeof input === 'string' ? input : JSON.stringify(input);
  let out: string | undefined;
  try {
    out = jq.raw(json, `${SEMCONV_JQ}\n${jaqToJq(filter)}`, args);
  } catch (e) {
    // jq's own message, without the wrapper's exit-code line and the helper prelude's line numbers
    const text = String((e as Error).message ?? e);
    throw new Error(text.replace(/^Non-zero exit code: \d+\s*/, '').trim());
  }
  const values = (out ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
  return values.length === 0 ? null : values.length === 1 ? values[0] : values;
}

/**
 * What jaq (Weaver's engine) accepts and jq does not, rewritten for jq: any expression as an object
 * value (`{out: $output + "x/", m: if . then 1 else 2 end}`: jq wants them in parentheses) and a
 * trailing comma before `}` or `]`. String literals (with their interpolations) are left as they are.
 */
export function jaqToJq(filter: string): string {
  // the end of the string literal starting at `at` (a quote), interpolations included
  const stringEnd = (at: number): number => {
    let j = at + 1;
    let depth = 0;
    while (j < filter.length) {
      const c = filter[j];
      if (c === '\\' && filter[j + 1] === '(') {
        depth++;
        j += 2;
      } else if (c === '\\') j += 2;
      else if (depth > 0 && c === '(') {
        depth++;
        j++;
      } else if (depth > 0 && c === ')') {
        depth--;
        j++;
      } else if (depth === 0 && c === '"') return j + 1;
      else j++;
    }
    return j;
  };
  // converts filter[from, to), where `closer` ends the enclosing bracket and `inObject` says whether it is `{`
  const convert = (from: number, to: number, inObject: boolean): string => {
    let out = '';
    let i = from;
    while (i < to) {
      const c = filter[i];
      if (c === '"') {
        const end = stringEnd(i);
        out += filter.slice(i, end);
        i = end;
      } else if (c === '{' || c === '[' || c === '(') {
        const end = matching(i, to);
        out += c + convert(i + 1, end, c === '{') + (filter[end] ?? '');
        i = end + 1;
      } else if (c === ',' && /^,\s*$/.test(filter.slice(i, to))) {
        // a trailing comma before the closing bracket
        i = to;
      } else if (c === ':' && inObject) {
        // the value runs to the next comma of this object, or its end
        let j = i + 1;
        while (j < to && filter[j] !== ',') {
          if (filter[j] === '"') j = stringEnd(j);
          else if ('{[('.includes(filter[j])) j = matching(j, to) + 1;
          else j++;
        }
        const value = filter.slice(i + 1, j);
        const lead = /^\s*/.exec(value)?.[0] ?? '';
        out += value.trim() ? `:${lead}(${convert(i + 1 + lead.length, j, false).trim()})` : `:${value}`;
        i = j;
      } else {
        out += c;
        i++;
      }
    }
    return out;
  };
  // the index of the bracket closing the one at `at` (or `limit` when it is missing)
  const matching = (at: number, limit: number): number => {
    let depth = 0;
    let j = at;
    while (j < limit) {
      const c = filter[j];
      if (c === '"') {
        j = stringEnd(j);
        continue;
      }
      if ('{[('.includes(c)) depth++;
      else if ('}])'.includes(c)) {
        depth--;
        if (depth === 0) return j;
      }
      j++;
    }
    return limit;
  };
  return convert(0, filter.length, false);
}
