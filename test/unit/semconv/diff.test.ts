import { describe, expect, it } from 'vitest';
import { diffRegistries, loadRegistry, registryStats } from '../../../node/semconv/index.js';
import { writeRegistry, yaml } from '../../helpers/registry.js';

const registry = (attrs: string[], metrics: string[]) =>
  writeRegistry({
    'r.yaml': yaml(
      'groups:',
      '  - id: registry.x',
      '    type: attribute_group',
      '    brief: X.',
      '    attributes:',
      ...attrs.map((a) => `      - ${a}`),
      ...metrics.flatMap((m) => [
        `  - id: metric.${m}`,
        '    type: metric',
        `    metric_name: ${m}`,
        '    brief: M.',
        '    instrument: counter',
        '    unit: "1"',
        '    stability: development',
      ]),
    ),
  });

describe('registry diff and stats', () => {
  it('added, removed, renamed, deprecated and changed, per kind of item', async () => {
    const baseline = await registry(
      [
        '{id: x.old, type: string, brief: Old., stability: development}',
        '{id: x.count, type: int, brief: Count., stability: development}',
        '{id: x.gone, type: string, brief: Gone., stability: development}',
        '{id: x.legacy, type: string, brief: Legacy., stability: development}',
      ],
      ['x.requests', 'x.dropped'],
    );
    const head = await registry(
      [
        '{id: x.old, type: string, brief: Old., stability: development, deprecated: {reason: renamed, renamed_to: x.new}}',
        '{id: x.new, type: string, brief: New., stability: development}',
        '{id: x.count, type: string, brief: Count., stability: development}',
        '{id: x.legacy, type: string, brief: Legacy., stability: development, deprecated: {reason: obsoleted, note: No longer used.}}',
      ],
      ['x.requests', 'x.added'],
    );
    const d = diffRegistries(
      (await loadRegistry(baseline, { check: false })).registry,
      (await loadRegistry(head, { check: false })).registry,
    );
    expect(d.changes.registry_attributes).toEqual([
      { type: 'type_changed', name: 'x.count', from: 'int', to: 'string' },
      { type: 'deprecated', name: 'x.legacy', note: 'No longer used.' },
      { type: 'added', name: 'x.new' },
      { type: 'renamed', old_name: 'x.old', new_name: 'x.new', note: expect.any(String) },
      { type: 'removed', name: 'x.gone' },
    ]);
    expect(d.changes.metrics).toEqual([
      { type: 'added', name: 'x.added' },
      { type: 'removed', name: 'x.dropped' },
    ]);
    const s = registryStats((await loadRegistry(head, { check: false })).registry);
    expect(s.attributes).toMatchObject({ total: 4, deprecated: 2, byType: { string: 4 } });
    expect(s.metrics).toMatchObject({ total: 2, byInstrument: { counter: 2 } });
  });
});
