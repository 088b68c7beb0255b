import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../../node/semconv/index.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { writeRegistry, yaml } from '../../helpers/registry.js';
import { skipNote } from '../../helpers/tools.js';

/** One bad registry with one of each problem; every error must be reported, each at its own line. */
const bad = yaml(
  'groups:', // 1
  '  - id: registry.bad', // 2
  '    type: attribute_group', // 3
  '    brief: Bad.', // 4
  '    attributes:', // 5
  '      - {id: bad.dup, type: string, stability: development, brief: First.}', // 6
  '      - {id: bad.dup, type: string, stability: development, brief: Second.}', // 7
  '      - {id: bad.type, type: strng, stability: development, brief: Typo.}', // 8
  '      - {id: Bad.Name, type: string, stability: development, brief: Caps.}', // 9
  '      - {id: bad.nobrief, type: string, stability: development}', // 10
  '      - {id: bad.stab, type: string, stability: experimentl, brief: Typo.}', // 11
  '      - {id: bad.dep, type: string, stability: development, brief: D., deprecated: {reason: renamed}}', // 12
  '      - id: bad.enum', // 13
  '        stability: development', // 14
  '        brief: Enum.', // 15
  '        type:', // 16
  '          members:', // 17
  '            - {id: a, value: x, stability: development}', // 18
  '            - {id: a, value: y, stability: development}', // 19
  '  - id: registry.bad', // 20
  '    type: attribute_group', // 21
  '    brief: Duplicate group.', // 22
  '  - id: metric.bad', // 23
  '    type: metric', // 24
  '    metric_name: bad.metric', // 25
  '    instrument: meter', // 26
  '    unit: "{bad unit"', // 27
  '    stability: development', // 28
  '    brief: Bad metric.', // 29
  '  - id: span.bad', // 30
  '    type: span', // 31
  '    stability: development', // 32
  '    brief: Bad span.', // 33
  '    extends: span.missing', // 34
  '    attributes:', // 35
  '      - ref: bad.nope', // 36
);

describe('registry check', () => {
  it('reports every error of a bad registry with file:line:column, a message and a fix', async () => {
    const r = await loadRegistry(await writeRegistry({ 'bad.yaml': bad }));
    const at = (code: string) =>
      r.diagnostics
        .filter((d) => d.code === code)
        .map((d) => d.location.line)
        .sort((a, b) => a - b);
    expect(at('duplicate-attribute')).toEqual([7]);
    expect(at('invalid-type')).toEqual([8]);
    expect(at('invalid-name')).toEqual([9]);
    expect(at('missing-brief')).toEqual([10]);
    expect(at('invalid-stability')).toEqual([11]);
    expect(at('invalid-deprecated')).toEqual([12]);
    expect(at('duplicate-enum-member')).toEqual([19]);
    expect(at('duplicate-group-id')).toEqual([20]);
    expect(at('invalid-instrument')).toEqual([23]);
    expect(at('invalid-unit')).toEqual([23]);
    expect(at('unresolved-extends')).toEqual([30]);
    expect(at('unresolved-ref')).toEqual([36]);
    for (const d of r.diagnostics) {
      expect(d.location.file).toMatch(/bad\.yaml$/);
      expect(d.location.column).toBeGreaterThan(0);
      expect(d.message.length).toBeGreaterThan(5);
      expect(d.hint.length).toBeGreaterThan(5);
    }
    expect(r.errors).toBe(r.diagnostics.length);
    expect(r.errors).toBe(12); // one finding per problem: an invalid stability is not also reported missing
  });

  it('lists the valid types in the fix for an invalid type', async () => {
    const r = await loadRegistry(await writeRegistry({ 'bad.yaml': bad }));
    expect(r.diagnostics.find((d) => d.code === 'invalid-type')!.hint).toMatch(/string/);
  });

  it('accepts a deprecated enum member that aliases its replacement value (as upstream does)', async () => {
    const r = await loadRegistry(
      await writeRegistry({
        'ok.yaml': yaml(
          'groups:',
          '  - id: registry.tok',
          '    type: attribute_group',
          '    brief: Tokens.',
          '    attributes:',
          '      - id: tok.type',
          '        stability: development',
          '        brief: Token type.',
          '        type:',
          '          members:',
          '            - {id: completion, value: output, stability: development, deprecated: {reason: renamed, renamed_to: output}}',
          '            - {id: output, value: output, stability: development}',
        ),
      }),
    );
    expect(r.diagnostics).toEqual([]);
  });

  const REAL = semconvRegistry();
  const name = `checks the real registry v1.44.0 clean (both syntaxes, 250 files)${skipNote(!REAL && SEMCONV_MISSING)}`;
  it.skipIf(!REAL)(name, async () => {
    const r = await loadRegistry(REAL!);
    expect(r.diagnostics.map((d) => `${d.location.file}:${d.location.line} ${d.message}`)).toEqual([]);
    expect(r.registry.files.length).toBeGreaterThan(200);
    expect(r.registry.attributes.length).toBeGreaterThan(900);
    const kinds = new Set(r.registry.groups.map((g) => g.kind));
    for (const k of ['attribute_group', 'span', 'event', 'metric', 'entity']) expect(kinds).toContain(k);
    // v2 files are read too: server.address is defined in a definition/2 file
    expect(r.registry.attributes.find((a) => a.key === 'server.address')).toMatchObject({
      stability: 'stable',
    });
  });
});
