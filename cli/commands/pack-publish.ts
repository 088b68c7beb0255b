import { resolve } from 'node:path';
import type { PublishResult } from '../../node/packs/market.js';
import { EXIT } from '../errors.js';
import { withSession } from '../session.js';
import { checkLines, print, printJson } from './pack-render.js';

/**
 * `weavergen pack publish <dir>`: the home's node validates the pack folder, renders every variant
 * on the example registry and compiles the result, signs it with its peer key, keeps it (an arm
 * there) and announces and provides it on the network (a command's own node, network off: kept and
 * announced when `weavergen node start` runs on the home).
 */
export async function packPublish(dir: string, opts: { home?: string; json?: boolean }): Promise<number> {
  const path = resolve(dir);
  const r = await withSession(
    // the folder named at this prompt is the person's: a node started here may read it
    { home: opts.home, command: 'weavergen pack publish', outputs: [path] },
    (s) => s.api.post<PublishResult>('/v1/patterns', { path }),
  );
  if (opts.json) {
    printJson(r);
    return EXIT.OK;
  }
  const p = r.pattern;
  print(`published ${p.name} ${p.version} (${p.language}) as ${p.id}`);
  for (const l of checkLines(r.check)) print(l);
  print(
    r.announced
      ? `announced to ${r.recipients} peer${r.recipients === 1 ? '' : 's'}, provided in the DHT; signed by ${r.announcement.publisher}`
      : `not announced yet: ${r.note ?? 'the network is off'}`,
  );
  print(`install it on another node: weavergen pack install ${p.id}`);
  return EXIT.OK;
}
