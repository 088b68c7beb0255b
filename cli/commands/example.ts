import { join } from 'node:path';
import { LANGUAGES } from '../../node/generation/languages.js';
import { packageRoot } from '../../node/paths.js';
import { shown } from '../render/paths.js';
import { homeOf, withSession } from '../session.js';
import { report, runOnNode } from './generate.js';

/** The project's own example registry (both syntaxes, a dependency registry, every feature). */
export const EXAMPLE_REGISTRY = join(packageRoot(), 'examples', 'shop');

/** `weavergen example`: a first look. Generates the example registry in every language into <home>/out. */
export async function example(opts: { home?: string; json?: boolean }): Promise<number> {
  const out = join(homeOf(opts.home), 'out');
  if (!opts.json)
    process.stdout.write(
      `weavergen: generating the example registry (${shown(EXAMPLE_REGISTRY)}) in ${LANGUAGES.length} languages into ${shown(out)}\n\n`,
    );
  return withSession({ home: opts.home, command: 'weavergen example' }, async (session) => {
    const started = performance.now();
    const record = await runOnNode(
      session.api,
      { registry: EXAMPLE_REGISTRY, languages: [...LANGUAGES], out },
      !opts.json,
    );
    const code = report(record, performance.now() - started, opts.json, opts.home);
    if (!opts.json)
      process.stdout.write('\nnext: weavergen generate <your registry> --lang ts,go --out ./generated\n');
    return code;
  });
}
