import { diffRegistries, formatDiff, formatStats, registryStats } from '../../node/semconv/index.js';
import { EXIT, UsageError } from '../errors.js';
import { loadRegistrySpec, registryArgument } from './registry-source.js';

/** `weavergen registry diff [<dir> | -r <dir>] --baseline-registry <dir> [--diff-format text|json]` */
export async function registryDiff(
  dir: string | undefined,
  opts: { registry?: string; baselineRegistry?: string; diffFormat?: 'text' | 'json' },
): Promise<number> {
  if (!opts.baselineRegistry)
    throw new UsageError('compared with what? give the older release with --baseline-registry <folder>');
  const head = await loadRegistrySpec(registryArgument(dir, opts.registry), { check: false });
  const baseline = await loadRegistrySpec(opts.baselineRegistry, { check: false });
  const d = diffRegistries(baseline.registry, head.registry);
  process.stdout.write(opts.diffFormat === 'json' ? `${JSON.stringify(d, null, 2)}\n` : `${formatDiff(d)}\n`);
  return EXIT.OK;
}

/** `weavergen registry stats [<dir> | -r <dir>] [--format text|json]` */
export async function registryStatsCommand(
  dir: string | undefined,
  opts: { registry?: string; format?: 'text' | 'json' },
): Promise<number> {
  const r = await loadRegistrySpec(registryArgument(dir, opts.registry), { check: false });
  const s = registryStats(r.registry);
  process.stdout.write(opts.format === 'json' ? `${JSON.stringify(s, null, 2)}\n` : `${formatStats(s)}\n`);
  return EXIT.OK;
}
