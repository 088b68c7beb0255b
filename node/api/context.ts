import type { WeaverNode } from '../node.js';
import type { Auth } from './auth.js';

/** What every route file gets from createApi. */
export interface RouteContext {
  node: WeaverNode;
  auth: Auth;
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
