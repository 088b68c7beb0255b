import type { PatternSummary } from '../../node/packs/view.js';
import { EXIT } from '../errors.js';
import { withSession } from '../session.js';
import { patternTable, print, printJson } from './pack-render.js';

/** `weavergen pack search [text] [--lang] [--kind]`: packs this node knows (built-in, installed, announced by peers), best rated first. */
export async function packSearch(
  text: string | undefined,
  opts: { home?: string; lang?: string; kind?: string; limit?: string; json?: boolean },
): Promise<number> {
  const query = new URLSearchParams();
  if (text) query.set('q', text);
  if (opts.lang) query.set('lang', opts.lang.toLowerCase());
  if (opts.kind) query.set('kind', opts.kind);
  if (opts.limit) query.set('limit', opts.limit);
  const { patterns } = await withSession(
    { home: opts.home, command: 'weavergen pack search', read: true },
    (s) => s.api.get<{ patterns: PatternSummary[] }>(`/v1/patterns?${query}`),
  );
  if (opts.json) {
    printJson(patterns);
    return EXIT.OK;
  }
  if (patterns.length === 0) {
    print('no pack matches; packs peers announce appear here once a node with the network on has heard them');
    return EXIT.OK;
  }
  print(patternTable(patterns, 'search'));
  print('\nmore about one: weavergen pack show <id>; install one: weavergen pack install <id>');
  return EXIT.OK;
}
