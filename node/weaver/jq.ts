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
    out = jq.raw(json, `${SEMCONV_JQ}\n${filter}`, args);
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
