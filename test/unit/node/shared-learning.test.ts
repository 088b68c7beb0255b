import { describe, expect, it } from 'vitest';
import type { ArmStats } from '../../../node/learning/index.js';
import { sharedArmStats } from '../../../node/shared-learning.js';

const CTX = 'typescript|builtin|s|e1t0d0m1';
const stat = (armKey: string, n: number, contextKey = CTX): ArmStats =>
  ({ contextKey, armKey, n, sumQ: 0.8 * n, sumQ2: 0.7 * n, successes: n }) as ArmStats;

describe("the node's shared statistics (several tenants)", () => {
  it('add up per (context, arm) and count the distinct tenants that contributed outcomes', () => {
    const merged = sharedArmStats([
      [stat('both', 10), stat('a-only', 30), stat('empty-in-b', 5)],
      [stat('both', 7), stat('empty-in-b', 0), stat('b-only', 9, 'go|builtin|s|e1t0d0m1')],
    ]);
    const by = Object.fromEntries(merged.map((s) => [s.armKey, s]));
    expect(by.both).toMatchObject({ n: 17, successes: 17, projects: 2 });
    expect(by['a-only']).toMatchObject({ n: 30, projects: 1 });
    // a tenant with no outcome in an entry did not contribute to it
    expect(by['empty-in-b']).toMatchObject({ n: 5, projects: 1 });
    expect(by['b-only']).toMatchObject({ n: 9, projects: 1 });
  });

  it('one tenant sharing: nothing counted (a single-tenant node cannot tell projects apart)', () => {
    const merged = sharedArmStats([[stat('x', 10)]]);
    expect(merged).toHaveLength(1);
    expect(merged[0].projects).toBeUndefined();
  });
});
