import type { PatternSummary } from '../../node/packs/view.js';
import { EXIT } from '../errors.js';
import { withSession } from '../session.js';
import { patternTable, print, printJson } from './pack-render.js';

/** `weavergen pack list`: the installed packs (published here ones too) with their local and network quality. */
export async function packList(opts: { home?: string; json?: boolean }): Promise<number> {
  const { patterns } = await withSession(
    { home: opts.home, command: 'weavergen pack list', read: true },
    (s) => s.api.get<{ patterns: PatternSummary[] }>('/v1/patterns?installed=true'),
  );
  if (opts.json) {
    printJson(patterns);
    return EXIT.OK;
  }
  if (patterns.length === 0) {
    print('no pack installed: weavergen pack search, then weavergen pack install <id>');
    return EXIT.OK;
  }
  print(patternTable(patterns, 'list'));
  print(
    "\nlocal q: mean quality of the generations here with the pack's arms; network: its rating from peers' digests",
  );
  return EXIT.OK;
}
