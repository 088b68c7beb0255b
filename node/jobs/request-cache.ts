import { createHash } from 'node:crypto';
import { canonicalJson } from '../../marketplace/pack-id.js';
import type { GeneratedFile } from '../generation/index.js';
import type { GenerationRecord, GenerationRequest, LanguageOutcome, RegistryCheck } from './types.js';

/**
 * A request's cache key: the registry's content hash and what was asked (not where to write it);
 * a named pack by its content id, so an edited pack folder is not served from the cache.
 */
export function requestKey(registryHash: string, req: GenerationRequest, packId?: string): string {
  const asked = {
    languages: [...req.languages].sort(),
    pack: packId ?? req.pack ?? null,
    params: req.params ?? {},
    candidates: req.candidates ?? null,
    models: req.models ?? null,
    validate: req.validate ?? true,
    allowErrors: req.allowErrors ?? false,
  };
  return `req!${createHash('sha256')
    .update(`${registryHash}\0${canonicalJson(asked)}`)
    .digest('hex')}`;
}

/** A served request: the outcome per language, the winners' files, and the generation that produced them. */
export interface CachedRequest {
  /** the generation that measured these results (its decisions explain them) */
  generationId?: string;
  registry: GenerationRecord['registry'];
  check?: RegistryCheck;
  languages: LanguageOutcome[];
  files: Record<string, GeneratedFile[]>;
}

export interface RequestCache {
  get(key: string): Promise<CachedRequest | undefined>;
  put(key: string, value: CachedRequest): Promise<void>;
}
