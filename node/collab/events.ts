import type { GenerationEvent } from '../jobs/types.js';
import type { PatternEvent } from '../packs/market.js';
import type { CollabEventBody } from './types.js';

/**
 * A generation's event as the tenant-wide stream says it: a status (queued, running, an end), a
 * progress step, and its result summed up (the record itself is at GET /v1/generations/:id).
 */
export function fromGenerationEvent(e: GenerationEvent): CollabEventBody {
  switch (e.type) {
    case 'status':
      return { type: 'generation', id: e.id, status: e.status };
    case 'progress':
      return {
        type: 'progress',
        id: e.id,
        language: e.language,
        phase: e.phase,
        ...(e.detail !== undefined ? { detail: e.detail.slice(0, 500) } : {}),
      };
    case 'result': {
      const r = e.record;
      return {
        type: 'result',
        id: e.id,
        status: r.status,
        languages: r.languages.map((l) => ({
          language: l.language,
          ...(l.winner ? { q: l.winner.q, status: l.winner.validation.status } : {}),
        })),
        ...(r.error ? { error: r.error.slice(0, 500) } : {}),
        ...(r.cachedFrom ? { cachedFrom: r.cachedFrom } : {}),
      };
    }
  }
}

/** A pattern service's event (a rating, an install) as the stream says it: the same shape. */
export const fromPatternEvent = (e: PatternEvent): CollabEventBody => e;
