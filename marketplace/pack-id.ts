import { createHash } from 'node:crypto';
import { cidOfBytes, encodeCanonical } from '../protocols/index.js';

/** What a pack is made of, as far as its identity goes: the manifest (as data) and its templates. */
export interface PackContent {
  manifest: unknown;
  templates: Record<string, string>;
}

/**
 * The one pack format: the protocols' canonical encoding (JSON, keys sorted at every level, no
 * whitespace) of `{manifest, templates: [[path, text], ...]}` with the templates sorted by path. The
 * same pack gives the same bytes on every machine, whatever order its files were read in; these
 * bytes are what is hashed, signed (through the content id), stored, sent and installed.
 */
export function encodePack(pack: PackContent): Uint8Array {
  const templates = Object.keys(pack.templates)
    .sort()
    .map((k) => [k, pack.templates[k]]);
  return encodeCanonical({ manifest: pack.manifest, templates });
}

/**
 * Canonical JSON for hashing local values (requests, params): object keys sorted at every level,
 * undefined left out. Lenient where the wire encoding (protocols/encoding.ts) refuses (a non-finite
 * number is `null`), since what it hashes never leaves the node.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** The pack's content id: CIDv1 (raw codec, sha-256) of its encoding (protocols/content-id.ts). */
export function packCid(pack: PackContent): string {
  return cidOfBytes(encodePack(pack));
}

/** Short, stable hash of a params object (sorted keys), for arm ids. */
export function paramsHash(params: Record<string, string>): string {
  return createHash('sha256').update(canonicalJson(params)).digest('hex').slice(0, 12);
}
