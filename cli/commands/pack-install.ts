import type { InstallResult } from '../../node/packs/market.js';
import { EXIT } from '../errors.js';
import { withSession } from '../session.js';
import { checkLines, print, printJson } from './pack-render.js';

/**
 * `weavergen pack install <id>`: the home's node fetches the pack from its providers, verifies its
 * content id and signature, renders and compiles it in the sandbox, keeps it; from then on it is one
 * of the node's arms (`generate --pack <name>` forces it). Needs a node running with the network on.
 */
export async function packInstall(id: string, opts: { home?: string; json?: boolean }): Promise<number> {
  const r = await withSession({ home: opts.home, command: 'weavergen pack install' }, (s) =>
    s.api.post<InstallResult>(`/v1/patterns/${encodeURIComponent(id)}/install`, {}),
  );
  if (opts.json) {
    printJson(r);
    return EXIT.OK;
  }
  const p = r.pattern;
  if (r.already)
    print(
      `${p.name} ${p.version} is already ${p.sources.includes('builtin') ? 'built in' : 'installed'} (${p.id})`,
    );
  else {
    print(`installed ${p.name} ${p.version} (${p.language}) ${p.id}`);
    print(`fetched from ${r.from}; content id and publisher signature verified`);
    for (const l of checkLines(r.check)) print(l);
  }
  print(
    `it is an arm of this node now; to use it: weavergen generate <registry> --lang ${p.language} --pack ${p.name}`,
  );
  return EXIT.OK;
}
