import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { create as createDigest } from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';

/** What a pack is made of, as far as its identity goes: the manifest (as data) and its templates. */
export interface PackContent {
  manifest: unknown;
  templates: Record<string, string>;
}

/**
 * Deterministic encoding: JSON with object keys sorted at every level, templates sorted by path.
 * The same pack gives the same bytes on every machine, whatever order its files were read in.
 */
export function encodePack(pack: PackContent): Uint8Array {
  const templates = Object.keys(pack.templates)
    .sort()
    .map((k) => [k, pack.templates[k]]);
  return new TextEncoder().encode(canonicalJson({ manifest: pack.manifest, templates }));
}

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

/** CIDv1 (raw codec, sha-256) of the deterministic encoding: the pack's content id. */
export function packCid(pack: PackContent): string {
  const digest = createDigest(sha256.code, createHash('sha256').update(encodePack(pack)).digest());
  return CID.createV1(raw.code, digest).toString();
}

/** Short, stable hash of a params object (sorted keys), for arm ids. */
export function paramsHash(params: Record<string, string>): string {
  return createHash('sha256').update(canonicalJson(params)).digest('hex').slice(0, 12);
}
