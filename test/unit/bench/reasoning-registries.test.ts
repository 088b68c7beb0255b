import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchRegistries } from '../../../bench/reasoning.js';

describe('the reasoning bench registries', () => {
  it('report on a deprecation-heavy registry of their own too, not only fit on one', async () => {
    const work = await mkdtemp(join(tmpdir(), 'weavergen-test-registries-'));
    try {
      const specs = await benchRegistries(undefined, work);
      const heavy = specs.filter((s) => /deprecations/.test(s.name));
      expect(heavy.map((s) => s.set).sort()).toEqual(['fit', 'report']);
      const report = heavy.find((s) => s.set === 'report')!;
      const yaml = await readFile(join(report.dir, 'compat', 'registry.yaml'), 'utf8');
      // most of its items deprecated, in every form, and no brief says so (Python's check would read it as a mark)
      expect(yaml.match(/deprecated: \{/g)?.length).toBeGreaterThanOrEqual(15);
      for (const reason of ['renamed', 'obsoleted', 'uncategorized'])
        expect(yaml).toContain(`reason: ${reason}`);
      expect(yaml).not.toMatch(/brief: [^,\n]*[Dd]eprecated/);
      expect(new Set(specs.map((s) => s.name)).size).toBe(specs.length);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
