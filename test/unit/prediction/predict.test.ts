import { describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../../../node/jobs/index.js';
import { predictRequests } from '../../../node/prediction/index.js';

const req = (
  languages: GenerationRequest['languages'],
  more: Partial<GenerationRequest> = {},
): GenerationRequest => ({
  registry: '/r',
  languages,
  ...more,
});
const history = (...rs: GenerationRequest[]) => rs.map((request, i) => ({ request, at: 1000 + i }));

describe('predictRequests', () => {
  it('predicts the shape a project keeps asking for, whatever the output folder and language order', () => {
    const p = predictRequests(
      history(req(['typescript'], { out: '/a' }), req(['typescript'], { out: '/b' }), req(['typescript'])),
    );
    expect(p).toHaveLength(1);
    expect(p[0].request).toEqual({ registry: '/r', languages: ['typescript'] });
    expect(p[0].share).toBeCloseTo(1, 9);
    expect(p[0].reason).toMatch(/asked 3 of the last 3 times/);
    const order = predictRequests(history(req(['python', 'go']), req(['go', 'python'])));
    expect(order).toHaveLength(1);
    expect(order[0].request.languages).toEqual(['go', 'python']);
  });

  it('weighs recent requests more: a changed habit wins after a few requests', () => {
    const old = Array.from({ length: 6 }, () => req(['java']));
    const now = Array.from({ length: 3 }, () => req(['rust']));
    const p = predictRequests(history(...old, ...now));
    expect(p[0].request.languages).toEqual(['rust']);
    expect(p.map((x) => x.request.languages[0])).toEqual(['rust', 'java']);
  });

  it('keeps params, pack, models and validate apart, and drops shapes below the minimum share', () => {
    const rs = [
      req(['go'], { params: { doc_style: 'brief' } }),
      req(['go']),
      req(['go'], { params: { doc_style: 'brief' } }),
      req(['go'], { validate: false }),
      req(['go'], { params: { doc_style: 'brief' } }),
    ];
    const p = predictRequests(history(...rs), { halfLife: 4, maxShapes: 3, minShare: 0.2 });
    expect(p[0].request.params).toEqual({ doc_style: 'brief' });
    expect(p.every((x) => x.share >= 0.2)).toBe(true);
    expect(p.map((x) => x.share).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(predictRequests([])).toEqual([]);
    expect(predictRequests(history(...rs), { halfLife: 4, maxShapes: 1, minShare: 0 })).toHaveLength(1);
  });
});
