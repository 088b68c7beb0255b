import { describe, expect, it } from 'vitest';
import type { ArmStats } from '../../../node/learning/arm-stats.js';
import { buildInsights } from '../../../node/learning/insights.js';
import { mineRules } from '../../../node/learning/rules.js';
import { armQualities } from '../../../node/optimizer/index.js';

/** An arm with n outcomes of mean q, each candidate costing `cost` USD (undefined: never priced). */
const arm = (armKey: string, model: string, n: number, q: number, cost?: number): ArmStats => ({
  contextKey: 'typescript|builtin|m|e1t0d1m1',
  armKey,
  packId: 'p',
  packName: 'typescript-semconv',
  params: {},
  paramsHash: armKey,
  model,
  n,
  sumQ: n * q,
  sumQ2: n * q * q,
  successes: q >= 0.9 ? n : 0,
  compileFailures: 0,
  ...(cost !== undefined ? { costN: n, sumCostUsd: n * cost } : {}),
  firstAt: 0,
  lastAt: 0,
  evidence: [],
});

const stats = [
  arm('cheap', 'openai:mini', 10, 0.8, 0.001),
  arm('dear', 'openai:big', 10, 0.9, 0.01),
  arm('template', 'builtin', 10, 0.7, 0),
  arm('old', 'ollama:llama3', 10, 0.6),
];

describe('quality per unit cost of each arm', () => {
  it('armQualities gives every priced arm its cost per candidate and mean q per USD', () => {
    const by = new Map(armQualities(stats).map((a) => [a.armKey, a]));
    expect(by.get('cheap')!.costUsd).toBeCloseTo(0.001, 12);
    expect(by.get('cheap')!.qualityPerUsd).toBeCloseTo(800, 6);
    expect(by.get('dear')!.costUsd).toBeCloseTo(0.01, 12);
    expect(by.get('dear')!.qualityPerUsd).toBeCloseTo(90, 6);
    // the better arm is not the better buy
    expect(by.get('dear')!.mean).toBeGreaterThan(by.get('cheap')!.mean);
    // free: a cost of 0 and nothing to divide by; never priced: neither
    expect(by.get('template')!.costUsd).toBe(0);
    expect(by.get('template')).not.toHaveProperty('qualityPerUsd');
    expect(by.get('old')).not.toHaveProperty('costUsd');
    expect(by.get('old')).not.toHaveProperty('qualityPerUsd');
  });

  it('insights give the best arms of a context the same figures', () => {
    const ins = buildInsights({
      stats,
      rules: mineRules([]),
      correlations: [],
      promotions: [],
      promoted: [],
      successThreshold: 0.9,
      topArms: 4,
      topRules: 0,
      topCorrelations: 0,
    });
    const by = new Map(ins.contexts[0].best.map((a) => [a.armKey, a]));
    expect(by.get('cheap')!.qualityPerUsd).toBeCloseTo(800, 6);
    expect(by.get('dear')!.qualityPerUsd).toBeCloseTo(90, 6);
    expect(by.get('template')).not.toHaveProperty('qualityPerUsd');
    // JSON-clean: what GET /v1/insights and /v1/learning/arms send
    expect(JSON.parse(JSON.stringify(ins.contexts[0].best))).toEqual(ins.contexts[0].best);
  });
});
