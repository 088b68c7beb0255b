import { createHash } from 'node:crypto';

/** A cache by string keys: the result cache (generation/cache.ts), the request cache (jobs). */
export interface KeyedCache<V> {
  get(key: string): Promise<V | undefined>;
  put(key: string, value: V): Promise<void>;
}

/**
 * The cache with the plugins' fingerprint in its keys: an outcome measured with other plugins
 * (another linter, another post-processor) is not served, and one measured with these is not served
 * to a node without them. No plugins ('' fingerprint): the cache as it was. A key keeps its
 * `prefix!` (`req!...`), so what lists a kind of entry still finds it.
 */
export function saltedCache<V>(cache: KeyedCache<V>, fingerprint: string): KeyedCache<V> {
  if (!fingerprint) return cache;
  const salt = (key: string) => {
    const bang = key.indexOf('!');
    const hash = createHash('sha256').update(`plugins ${fingerprint}\0${key}`).digest('hex');
    return bang > 0 ? `${key.slice(0, bang + 1)}${hash}` : hash;
  };
  return { get: (key) => cache.get(salt(key)), put: (key, value) => cache.put(salt(key), value) };
}
