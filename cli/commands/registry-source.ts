import {
  type LoadOptions,
  type LoadResult,
  loadRegistry,
  openRegistrySource,
} from '../../node/semconv/index.js';
import { UsageError } from '../errors.js';

/** the registry as Weaver takes it (`-r`) or as a positional folder; one of them */
export function registryArgument(dir: string | undefined, flag: string | undefined): string {
  if (dir && flag && dir !== flag)
    throw new UsageError(`two registries given (${dir} and -r ${flag}): give one`);
  const path = dir ?? flag;
  if (!path)
    throw new UsageError(
      'which registry? give its folder, or -r <folder | git url[@ref][sub_dir] | archive>',
    );
  return path;
}

/** Loads a registry from a folder, a git repository or an archive (Weaver's `-r` forms); fetched copies are removed after. */
export async function loadRegistrySpec(spec: string, options: LoadOptions = {}): Promise<LoadResult> {
  const source = await openRegistrySource(spec);
  try {
    return await loadRegistry(source.path, options);
  } finally {
    await source.cleanup();
  }
}
