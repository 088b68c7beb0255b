import { join, resolve } from 'node:path';
import { generateProject } from '../../node/generate.js';
import { LANGUAGES } from '../../node/generation/index.js';
import { packageRoot } from '../../node/paths.js';
import { EXIT } from '../errors.js';
import { summary } from './generate.js';

export const EXAMPLE_REGISTRY = join(packageRoot(), 'node', 'semconv', 'example-registry');

/** `weavergen example`: offline first look. Generates the example registry in every language into the home. */
export async function example(opts: { home?: string }): Promise<number> {
  const home = resolve(opts.home ?? process.env.WEAVERGEN_HOME ?? '.weavergen');
  const out = join(home, 'out');
  process.stdout.write(
    `weavergen: generating the example registry (${EXAMPLE_REGISTRY}) in ${LANGUAGES.length} languages into ${out}\n\n`,
  );
  const result = await generateProject({ registry: EXAMPLE_REGISTRY, languages: [...LANGUAGES], out });
  process.stdout.write(
    `${summary(result)}\n\nnext: weavergen generate <your registry> --lang ts,go --out ./generated\n`,
  );
  return result.languages.some((l) => l.validation.status === 'failed') ? EXIT.PROBLEMS : EXIT.OK;
}
