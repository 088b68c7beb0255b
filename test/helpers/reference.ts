import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Reference data that is not part of the repository: the OpenTelemetry semantic-conventions
 * registry at tag v1.44.0 (the release the official npm package 1.44.0 was generated from; facts
 * the tests assert, such as official names and values, are about it). The one place tests and
 * benchmarks look for it:
 *
 * 1. `$WEAVERGEN_SEMCONV`: the registry's `model/` folder, or a checkout of the
 *    semantic-conventions repository (its `model/` is used), or a folder holding `v1.44.0/model`;
 * 2. else `../shared/semconv/v1.44.0/model` beside the repository, where present;
 * 3. else nothing: real-registry tests skip with `SEMCONV_MISSING`, and the benchmark runs on the
 *    project's own registries and says what it left out.
 */
export const SEMCONV_VERSION = 'v1.44.0';

export const SEMCONV_MISSING =
  `the semantic-conventions registry ${SEMCONV_VERSION} is not here: ` +
  `git clone --depth 1 --branch ${SEMCONV_VERSION} https://github.com/open-telemetry/semantic-conventions ` +
  'and set WEAVERGEN_SEMCONV=<that clone>/model';

const hasYaml = (dir: string) => {
  try {
    return readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory() || /\.ya?ml$/.test(e.name));
  } catch {
    return false;
  }
};

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** The registry folder, or undefined when it is nowhere to be found (see above). */
export function semconvRegistry(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env.WEAVERGEN_SEMCONV?.trim();
  if (given) {
    const root = resolve(given);
    for (const candidate of [
      join(root, SEMCONV_VERSION, 'model'),
      join(root, 'semconv', SEMCONV_VERSION, 'model'),
      join(root, 'model'),
      root,
    ])
      if (isDir(candidate) && hasYaml(candidate)) return candidate;
    throw new Error(`WEAVERGEN_SEMCONV=${given} holds no semantic-convention registry (${SEMCONV_MISSING})`);
  }
  const beside = resolve(process.cwd(), '..', 'shared', 'semconv', SEMCONV_VERSION, 'model');
  return existsSync(beside) ? beside : undefined;
}
