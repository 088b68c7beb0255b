/**
 * The deterministic encoding of every message: canonical JSON (object keys sorted at every level,
 * no whitespace, no undefined, no non-finite numbers) as UTF-8. One value has one encoding, so the
 * bytes a signature covers can be rebuilt from the parsed value, and a receiver can insist that
 * the bytes it got are exactly those (no second encoding of the same message).
 */

import { WeaverError } from '../errors/index.js';

export enum EncodingErrorCode {
  /** a value with no JSON encoding: a non-finite number, a bigint, a function, a symbol, undefined */
  NOT_ENCODABLE = 'PROTOCOLS_NOT_ENCODABLE',
}

/** `valueType`: the JS type of the value that has no encoding */
export type EncodingErrorType = { code: EncodingErrorCode.NOT_ENCODABLE; valueType: string };

export class EncodingError extends WeaverError<EncodingErrorType> {}

export function canonicalJson(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v))
        throw new EncodingError(
          { code: EncodingErrorCode.NOT_ENCODABLE, valueType: 'number' },
          `not a finite number: ${v}`,
        );
      return JSON.stringify(Object.is(v, -0) ? 0 : v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
      const o = v as Record<string, unknown>;
      return `{${Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
        .join(',')}}`;
    }
    default:
      throw new EncodingError(
        { code: EncodingErrorCode.NOT_ENCODABLE, valueType: typeof v },
        `cannot encode a ${typeof v}`,
      );
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export const encodeCanonical = (v: unknown): Uint8Array => encoder.encode(canonicalJson(v));
export const utf8 = (s: string): Uint8Array => encoder.encode(s);

export type DecodeResult =
  | { ok: true; value: unknown; canonical: boolean }
  | { ok: false; reason: 'oversized' | 'malformed'; detail: string };

/**
 * Bytes to a JSON value, the size checked first. `canonical` tells whether the bytes are the
 * canonical encoding of the value (validators reject those that are not).
 */
export function decodeJson(bytes: Uint8Array, maxBytes: number): DecodeResult {
  if (bytes.byteLength > maxBytes)
    return { ok: false, reason: 'oversized', detail: `${bytes.byteLength} bytes > ${maxBytes}` };
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { ok: false, reason: 'malformed', detail: 'not UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'malformed', detail: 'not JSON' };
  }
  let canonical = false;
  try {
    canonical = canonicalJson(value) === text;
  } catch {
    canonical = false;
  }
  return { ok: true, value, canonical };
}
