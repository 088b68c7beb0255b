import { describe, expect, it } from 'vitest';
import { loadRegistry, registryContentHash } from '../../../node/semconv/index.js';
import { writeRegistry, yaml } from '../../helpers/registry.js';

const base = yaml(
  'groups:',
  '  - id: registry.app',
  '    type: attribute_group',
  '    brief: App attributes.',
  '    attributes:',
  '      - id: app.name',
  '        type: string',
  '        stability: stable',
  '        brief: Name of the app.',
  '        note: The original note.',
  '        examples: [shop]',
  '      - id: app.kind',
  '        stability: development',
  '        brief: Kind of app.',
  '        type:',
  '          members:',
  '            - {id: web, value: web, stability: stable}',
  '            - {id: cli, value: cli, stability: development}',
  '      - id: app.header',
  '        type: template[string[]]',
  '        stability: development',
  '        brief: A header.',
);

async function load(files: Record<string, string>) {
  return loadRegistry(await writeRegistry(files));
}

describe('resolver', () => {
  it('hashes the registry content: same bytes same hash, any edit a new one', async () => {
    const a = await writeRegistry({ 'registry.yaml': base });
    const b = await writeRegistry({ 'registry.yaml': base });
    const c = await writeRegistry({
      'registry.yaml': base.replace('Name of the app.', 'Name of the application.'),
    });
    const [ha, hb, hc] = await Promise.all([a, b, c].map((d) => registryContentHash(d)));
    expect(ha).toBe(hb);
    expect(hc).not.toBe(ha);
    expect((await loadRegistry(a)).contentHash).toBe(ha);
  });

  it('resolves a clean registry with enums and template types', async () => {
    const r = await load({ 'registry.yaml': base });
    expect(r.errors).toBe(0);
    const kind = r.registry.attributes.find((a) => a.key === 'app.kind')!;
    expect(kind.type).toMatchObject({
      kind: 'enum',
      valueType: 'string',
      members: [{ id: 'web', value: 'web' }, { id: 'cli' }],
    });
    expect(r.registry.attributes.find((a) => a.key === 'app.header')!.type).toEqual({
      kind: 'template',
      type: 'string[]',
    });
  });

  it('reports a missing ref with its location and the closest name', async () => {
    const r = await load({
      'registry.yaml': base,
      'spans.yaml': yaml(
        'groups:',
        '  - id: span.app',
        '    type: span',
        '    span_kind: server',
        '    stability: development',
        '    brief: A span.',
        '    attributes:',
        '      - ref: app.nam',
      ),
    });
    const d = r.diagnostics.find((x) => x.code === 'unresolved-ref')!;
    expect(d).toBeDefined();
    expect(d.location).toMatchObject({ line: 8, column: 9 });
    expect(d.location.file).toMatch(/spans\.yaml$/);
    expect(d.hint).toContain('app.name');
  });

  it('applies ref overrides of brief, note, requirement_level and examples without touching the definition', async () => {
    const r = await load({
      'registry.yaml': base,
      'spans.yaml': yaml(
        'groups:',
        '  - id: span.app',
        '    type: span',
        '    stability: development',
        '    brief: A span.',
        '    attributes:',
        '      - ref: app.name',
        '        brief: Overridden brief.',
        '        note: Overridden note.',
        '        requirement_level:',
        '          conditionally_required: when known',
        '        examples: [other]',
      ),
    });
    expect(r.errors).toBe(0);
    const use = r.registry.groups.find((g) => g.id === 'span.app')!.attributes[0];
    expect(use).toMatchObject({
      key: 'app.name',
      brief: 'Overridden brief.',
      note: 'Overridden note.',
      examples: ['other'],
      requirementLevel: { level: 'conditionally_required', text: 'when known' },
    });
    expect(r.registry.attributes.find((a) => a.key === 'app.name')).toMatchObject({
      brief: 'Name of the app.',
      note: 'The original note.',
    });
  });

  it('inherits attributes along an extends chain and detects cycles', async () => {
    const chain = await load({
      'registry.yaml': base,
      'groups.yaml': yaml(
        'groups:',
        '  - {id: a, type: attribute_group, brief: A., attributes: [{ref: app.name}]}',
        '  - {id: b, type: attribute_group, brief: B., extends: a, attributes: [{ref: app.kind}]}',
        '  - {id: c, type: span, brief: C., stability: development, extends: b}',
      ),
    });
    expect(chain.errors).toBe(0);
    expect(chain.registry.groups.find((g) => g.id === 'c')!.attributes.map((a) => a.key)).toEqual([
      'app.name',
      'app.kind',
    ]);

    const cyclic = await load({
      'registry.yaml': base,
      'groups.yaml': yaml(
        'groups:',
        '  - {id: a, type: attribute_group, brief: A., extends: c}',
        '  - {id: b, type: attribute_group, brief: B., extends: a}',
        '  - {id: c, type: attribute_group, brief: C., extends: b}',
      ),
    });
    const cycles = cyclic.diagnostics.filter((d) => d.code === 'extends-cycle');
    expect(cycles).toHaveLength(1);
    expect(cycles[0].message).toMatch(/a -> c -> b -> a/);
    expect(cycles[0].location.file).toMatch(/groups\.yaml$/);
  });

  it('reads every deprecated form', async () => {
    const r = await load({
      'registry.yaml': yaml(
        'groups:',
        '  - id: registry.old',
        '    type: attribute_group',
        '    brief: Old.',
        '    attributes:',
        '      - {id: old.a, type: string, stability: development, brief: A., deprecated: "Replaced by `new.a`."}',
        '      - {id: old.b, type: string, stability: development, brief: B., deprecated: {reason: renamed, renamed_to: new.b}}',
        '      - {id: old.c, type: string, stability: development, brief: C., deprecated: {reason: obsoleted, note: Gone.}}',
        '      - {id: old.d, type: string, stability: development, brief: D., deprecated: {reason: uncategorized, note: Split.}}',
        '      - {id: old.e, type: string, stability: development, brief: E., deprecated: {reason: vanished}}',
      ),
    });
    const dep = Object.fromEntries(r.registry.attributes.map((a) => [a.key, a.deprecated]));
    expect(dep['old.a']).toEqual({
      reason: 'uncategorized',
      note: 'Replaced by `new.a`.',
      renamedTo: 'new.a',
    });
    expect(dep['old.b']).toMatchObject({ reason: 'renamed', renamedTo: 'new.b' });
    expect(dep['old.c']).toMatchObject({ reason: 'obsoleted', note: 'Gone.' });
    expect(dep['old.d']).toMatchObject({ reason: 'uncategorized', note: 'Split.' });
    const bad = r.diagnostics.filter((d) => d.code === 'invalid-deprecated');
    expect(bad).toHaveLength(1);
    expect(bad[0].location.line).toBe(10);
  });

  it('reads v2 files: attributes, attribute groups, ref_group, signals, entities and refinements', async () => {
    const r = await load({
      'v1.yaml': base,
      'v2.yaml': yaml(
        'file_format: definition/2',
        'attributes:',
        '  - key: app.user',
        '    type: string',
        '    stability: development',
        '    brief: User.',
        'attribute_groups:',
        '  - id: app.common',
        '    visibility: internal',
        '    attributes:',
        '      - ref: app.name',
        '      - ref: app.user',
        'spans:',
        '  - type: app.request',
        '    kind: server',
        '    name: {note: request}',
        '    stability: development',
        '    brief: A request.',
        '    attributes:',
        '      - ref_group: app.common',
        '      - ref: app.kind',
        '        requirement_level: required',
        'metrics:',
        '  - name: app.requests',
        '    instrument: counter',
        '    unit: "{request}"',
        '    stability: development',
        '    brief: Requests.',
        'events:',
        '  - name: app.started',
        '    stability: development',
        '    brief: Started.',
        'entities:',
        '  - type: app',
        '    stability: development',
        '    brief: The app.',
        '    identity:',
        '      - ref: app.name',
        'span_refinements:',
        '  - id: app.request.web',
        '    ref: app.request',
        '    attributes:',
        '      - ref: app.header',
      ),
    });
    expect(r.errors).toBe(0);
    const g = Object.fromEntries(r.registry.groups.map((x) => [x.id, x]));
    expect(g['span.app.request'].attributes.map((a) => a.key)).toEqual(['app.name', 'app.user', 'app.kind']);
    expect(g['span.app.request'].attributes[2].requirementLevel).toEqual({ level: 'required' });
    expect(g['metric.app.requests']).toMatchObject({
      kind: 'metric',
      metricName: 'app.requests',
      instrument: 'counter',
      unit: '{request}',
    });
    expect(g['event.app.started']).toMatchObject({ kind: 'event', eventName: 'app.started' });
    expect(g['entity.app']).toMatchObject({ kind: 'entity', entityType: 'app' });
    expect(g['span.app.request.web']).toMatchObject({ refines: 'span.app.request', brief: 'A request.' });
    expect(g['span.app.request.web'].attributes.map((a) => a.key)).toEqual([
      'app.name',
      'app.user',
      'app.kind',
      'app.header',
    ]);
    expect(r.registry.attributes.map((a) => a.key)).toContain('app.user');
  });

  it('reads the older v1 `prefix` form', async () => {
    const r = await load({
      'old.yaml': yaml(
        'groups:',
        '  - id: db',
        '    prefix: db',
        '    type: span',
        '    brief: DB.',
        '    stability: development',
        '    attributes:',
        '      - {id: system, type: string, stability: development, brief: The DBMS.}',
      ),
    });
    expect(r.errors).toBe(0);
    expect(r.registry.attributes.map((a) => a.key)).toEqual(['db.system']);
  });

  it('loads a local dependency registry and imports the selected groups', async () => {
    const dep = await writeRegistry({
      'registry_manifest.yaml': yaml('name: upstream', 'semconv_version: 1.0.0'),
      'registry.yaml': base,
      'metrics.yaml': yaml(
        'groups:',
        '  - {id: metric.app.a, type: metric, metric_name: app.a, instrument: counter, unit: "1", stability: development, brief: A., attributes: [{ref: app.name}]}',
        '  - {id: metric.other.b, type: metric, metric_name: other.b, instrument: counter, unit: "1", stability: development, brief: B.}',
      ),
    });
    const r = await load({
      'registry_manifest.yaml': yaml(
        'name: mine',
        'dependencies:',
        `  - name: upstream`,
        `    registry_path: ${dep}`,
      ),
      'mine.yaml': yaml(
        'file_format: definition/2',
        'imports:',
        '  metrics: ["app.*"]',
        'spans:',
        '  - {type: mine.op, kind: internal, name: {note: op}, stability: development, brief: Op., attributes: [{ref: app.kind}]}',
      ),
    });
    expect(r.errors).toBe(0);
    expect(r.registry.manifest.name).toBe('mine');
    // the cache key computed without parsing equals the one computed while loading
    expect(await registryContentHash(r.registry.root)).toBe(r.contentHash);
    const ids = r.registry.groups.map((g) => g.id);
    expect(ids).toContain('metric.app.a');
    expect(ids).not.toContain('metric.other.b');
    expect(r.registry.groups.find((g) => g.id === 'metric.app.a')!.imported).toBe(true);
    // only the dependency attributes that are used come along, flagged as imported
    expect(r.registry.attributes.map((a) => [a.key, a.imported])).toEqual([
      ['app.kind', true],
      ['app.name', true],
    ]);
  });

  it('reports a YAML syntax error with its location and goes on with the other files', async () => {
    const r = await load({ 'a.yaml': base, 'b.yaml': 'groups:\n  - id: x\n    brief: [unclosed\n' });
    const d = r.diagnostics.find((x) => x.code === 'yaml-syntax')!;
    expect(d.location.file).toMatch(/b\.yaml$/);
    expect(r.registry.attributes.length).toBe(3);
  });
});
