import type { PatternDetail } from '../../node/packs/view.js';
import { EXIT } from '../errors.js';
import { withSession } from '../session.js';
import { patternBlock, print, printJson } from './pack-render.js';

/** `weavergen pack show <id>`: one pack by content id or name. */
export async function packShow(id: string, opts: { home?: string; json?: boolean }): Promise<number> {
  const p = await withSession({ home: opts.home, command: 'weavergen pack show', read: true }, (s) =>
    s.api.get<PatternDetail>(`/v1/patterns/${encodeURIComponent(id)}`),
  );
  if (opts.json) printJson(p);
  else print(patternBlock(p));
  return EXIT.OK;
}
