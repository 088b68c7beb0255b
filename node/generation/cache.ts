import { createHash } from 'node:crypto';
import type { Store } from '../storage/index.js';
import type { ValidationResult } from '../validation/index.js';
import type { GeneratedFile } from './render.js';

/** A candidate's outcome, kept so an unchanged request is served without rendering or compiling again. */
export interface CachedCandidate {
  files: GeneratedFile[];
  validation: ValidationResult;
  createdAt: number;
}

/**
 * Keyed by content hashes only: the registry's bytes, the language, and the arm (pack content id,
 * params hash, model). Same inputs, same key, on any machine; any change to a YAML file or a
 * template gives a new key, so nothing is ever invalidated by hand.
 */
export function cacheKey(registryHash: string, language: string, armKey: string): string {
  return createHash('sha256').update(`${registryHash}\0${language}\0${armKey}`).digest('hex');
}

export interface ResultCache {
  get(key: string): Promise<CachedCandidate | undefined>;
  put(key: string, value: CachedCandidate): Promise<void>;
}

export function createResultCache(store: Store): ResultCache {
  return {
    get: (key) => store.get<CachedCandidate>('cache', key),
    put: (key, value) => store.put('cache', key, value),
  };
}
