/**
 * What a node shares with the network, as its team chose (`network.share`), and which model ids are
 * public (`network.publicModels`). Pure: no I/O, no libp2p; peering.ts turns it into the
 * anonymizer's release policy, the config checks it, `weavergen init` writes it.
 *
 *   off            publish nothing, and take nothing from peers' digests (packs are still fetched)
 *   receive-only   publish nothing; peers' digests still become priors (the default)
 *   contexts:<list> publish only the contexts listed: languages (`typescript,go`) or context-key
 *                  globs (`go|builtin|*|*`, `*` within one `|`-separated field)
 *   all            publish every public arm
 */

export const SHARE_MODES = ['off', 'receive-only', 'contexts', 'all'] as const;
export type ShareModeName = (typeof SHARE_MODES)[number];

export const DEFAULT_SHARE = 'receive-only';

export type Share =
  | { mode: 'off' | 'receive-only' | 'all' }
  | {
      mode: 'contexts';
      /** languages and context-key globs, as given (deduplicated, in order) */
      contexts: string[];
    };

/** One line per mode, for `weavergen init` and the docs. */
export const SHARE_EXPLAINED: Record<ShareModeName, string> = {
  off: 'publish nothing and ignore what peers publish (packs can still be fetched)',
  'receive-only': "publish nothing; learn from peers' digests (the default)",
  contexts:
    'publish digests only for the languages or context keys listed, e.g. contexts:typescript,go; learn from peers',
  all: 'publish anonymized digests for every public arm (built-in and network packs, public models); learn from peers',
};

const LANGUAGE_RE = /^[a-z][a-z0-9]{0,15}$/;
/** a context key (`language|generator|size|eXtXdXmX`) with `*` allowed inside any field */
const CONTEXT_GLOB_RE = /^[a-z0-9*]{1,16}\|[a-z0-9*]{1,16}\|[a-z0-9*]{1,16}\|[a-z0-9*]{1,16}$/;

/** A share setting from the config, env or a flag: the parsed mode, or what is wrong with it. */
export function parseShare(text: string): { ok: true; share: Share } | { ok: false; message: string } {
  const t = text.trim();
  if (t === 'off' || t === 'receive-only' || t === 'all') return { ok: true, share: { mode: t } };
  const m = /^contexts:(.*)$/s.exec(t);
  if (!m)
    return {
      ok: false,
      message: `"${text}" is not a share mode: use off, receive-only, contexts:<languages or context globs> or all`,
    };
  const items = [
    ...new Set(
      m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (items.length === 0)
    return {
      ok: false,
      message: 'contexts: needs at least one language or context glob, e.g. contexts:typescript,go',
    };
  if (items.length > 64) return { ok: false, message: `contexts: at most 64 entries, got ${items.length}` };
  for (const item of items)
    if (!LANGUAGE_RE.test(item) && !CONTEXT_GLOB_RE.test(item))
      return {
        ok: false,
        message: `contexts: "${item}" is neither a language (typescript, go, ...) nor a context-key glob (e.g. go|builtin|*|*)`,
      };
  return { ok: true, share: { mode: 'contexts', contexts: items } };
}

/** The canonical text of a share setting (what the config holds and `weavergen peers` shows). */
export const shareText = (s: Share) => (s.mode === 'contexts' ? `contexts:${s.contexts.join(',')}` : s.mode);

/** Whether this node publishes digests at all, and whether it takes peers' digests as priors. */
export const publishes = (s: Share) => s.mode === 'contexts' || s.mode === 'all';
export const receives = (s: Share) => s.mode !== 'off';

const escapeRe = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** A glob over `sep`-separated fields: `*` matches any run of characters inside one field. */
function globRe(pattern: string, sep: string): RegExp {
  const field = `[^${escapeRe(sep)}]*`;
  return new RegExp(`^${pattern.split('*').map(escapeRe).join(field)}$`);
}

/** Which context keys a share setting publishes: a language is every context of that language. */
export function contextFilter(s: Share): (contextKey: string) => boolean {
  if (s.mode === 'all') return () => true;
  if (s.mode !== 'contexts') return () => false;
  const languages = new Set(s.contexts.filter((c) => LANGUAGE_RE.test(c)));
  const globs = s.contexts.filter((c) => !LANGUAGE_RE.test(c)).map((c) => globRe(c, '|'));
  return (key) => languages.has(key.slice(0, key.indexOf('|'))) || globs.some((g) => g.test(key));
}

/**
 * Model ids known to be public names (`network.publicModels` default): a model id matching none
 * never leaves the node. `*` matches within one `:`-separated segment, so `ollama:mistral:*` is
 * mistral with any tag but `ollama:*` alone would not match `ollama:mistral:7b`.
 */
export const DEFAULT_PUBLIC_MODELS: readonly string[] = Object.freeze([
  'builtin',
  'openai:gpt-4o',
  'openai:gpt-4o-mini',
  'openai:gpt-4.1*',
  'openai:o3-mini',
  'openai:o4-mini',
  'openai:gpt-5*',
  'anthropic:claude-*',
  ...['llama3*', 'qwen2.5-coder', 'codellama', 'deepseek-coder*', 'mistral', 'gemma*', 'phi*'].flatMap(
    (m) => [`ollama:${m}`, `ollama:${m}:*`],
  ),
]);

const MODEL_GLOB_RE = /^[A-Za-z0-9*][A-Za-z0-9._:*-]{0,99}$/;

/** What is wrong with a publicModels pattern, or undefined. */
export function modelPatternError(pattern: string): string | undefined {
  return MODEL_GLOB_RE.test(pattern)
    ? undefined
    : `"${pattern}" is not a model pattern (letters, digits, . _ - : and * only, e.g. ollama:llama3*:*)`;
}

/** A predicate over model ids from publicModels patterns. */
export function publicModelFilter(patterns: readonly string[]): (model: string) => boolean {
  const res = patterns.map((p) => globRe(p, ':'));
  return (model) => res.some((r) => r.test(model));
}

/** One line for `weavergen peers`, `GET /v1/peers` and the dashboard. */
export function describeShare(s: Share): string {
  switch (s.mode) {
    case 'off':
      return "sharing off: this node publishes nothing and ignores peers' digests";
    case 'receive-only':
      return "receive-only: this node publishes nothing and learns from peers' digests";
    case 'contexts':
      return `contexts ${s.contexts.join(', ')}: this node publishes digests of those contexts only (public packs and models) and learns from peers`;
    case 'all':
      return 'all: this node publishes digests of every public arm (public packs and models) and learns from peers';
  }
}
