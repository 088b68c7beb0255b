import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../node/config.js';
import { createNode } from '../node/node.js';
import { registryContentHash } from '../node/semconv/index.js';
import { median, ms, ratio } from './stats.js';

/**
 * Result cache: an unchanged request served from the cache, against the time to hash the registry's
 * bytes (the least any cache keyed by content must do), both measured in this run on the real registry.
 */
export async function benchCache(registry: string, runs: number, label = registry): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'weavergen-bench-cache-'));
  const node = await createNode(await loadConfig({ home, api: { enabled: false } }, {}));
  try {
    const request = { registry, languages: ['typescript' as const], candidates: 1 };
    const generate = async () => (await (await node.generate(request)).done).status;
    let t = performance.now();
    const first = await generate();
    const coldMs = performance.now() - t;
    const hashMs = await median(() => registryContentHash(registry), runs);
    const cachedMs = await median(generate, runs);
    t = performance.now();
    console.log(`\n## result cache: ${label}, TypeScript, median of ${runs}`);
    console.log(`baseline  hash the registry's bytes (read + sha-256): ${ms(hashMs)}`);
    console.log(
      `cold      first generation (resolve, render, compile, score, spans): ${ms(coldMs)} (${first}) = ${ratio(coldMs, hashMs)} hashing`,
    );
    console.log(
      `cached    unchanged request served from the cache: ${ms(cachedMs)} = ${ratio(cachedMs, hashMs)} hashing, ${ratio(coldMs, cachedMs)} faster than cold`,
    );
  } finally {
    await node.stop();
    await rm(home, { recursive: true, force: true });
  }
}
