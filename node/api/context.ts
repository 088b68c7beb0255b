import type { Context } from 'hono';
import type { TenantNode, WeaverNode } from '../node.js';
import type { Auth } from './auth.js';

/** What every route file gets from createApi. */
export interface RouteContext {
  /** the node itself: health, peers, tenants (a tenant's data only through `tenant`) */
  node: WeaverNode;
  auth: Auth;
  /** the node as the request's tenant sees it (after an auth middleware named who sent it) */
  tenant(c: Context): Promise<TenantNode>;
  /** unexpected errors and failures nobody awaits */
  log: (message: string, error?: unknown) => void;
  /** SSE keep-alive comment interval */
  heartbeatMs: number;
}

/** The links of a generation, as the 202 of POST /v1/generate returns them. */
export const generationLinks = (id: string) => {
  const self = `/v1/generations/${encodeURIComponent(id)}`;
  return {
    self,
    events: `${self}/events`,
    decisions: `${self}/decisions`,
    spans: `/v1/spans?generation=${encodeURIComponent(id)}`,
  };
};

const utf8 = new TextEncoder();
/** JSON as the bytes sent: encoded once, they are written as they are to every client. */
export const jsonBytes = (value: unknown): Uint8Array<ArrayBuffer> => utf8.encode(JSON.stringify(value));

/**
 * A 200 JSON answer of `shape(value)` whose bytes are made once per value the node shares frozen
 * (node.generations(), node.insights(): the same object until what they read changes).
 */
export function frozenJson<T extends object>(
  shape: (value: T) => unknown,
): (c: Context, value: T) => Response {
  const made = new WeakMap<T, Uint8Array<ArrayBuffer>>();
  return (c, value) => {
    let bytes = made.get(value);
    if (bytes === undefined) {
      bytes = jsonBytes(shape(value));
      if (Object.isFrozen(value)) made.set(value, bytes);
    }
    return c.body(bytes, 200, { 'Content-Type': 'application/json' });
  };
}
