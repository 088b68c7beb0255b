import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateWithPack,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../../../node/generation/index.js';
import { findPack, type Pack } from '../../../node/packs/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { createValidator, UNCOMPILED_CAP } from '../../../node/validation/index.js';
import { scoreQuality } from '../../../node/validation/quality.js';
import { MINI_REGISTRY as EXAMPLE } from '../../helpers/registry.js';

let model: TemplateRegistry;
let pack: Pack;
const validator = createValidator();

beforeAll(async () => {
  model = toTemplateRegistry((await loadRegistry(EXAMPLE)).registry);
  pack = await findPack('typescript');
});

async function score(
  params: Record<string, string> = {},
  mutate?: (files: { path: string; content: string }[]) => void,
) {
  const gen = await generateWithPack(pack, model, params);
  mutate?.(gen.files);
  return validator.validate({ language: 'typescript', files: gen.files, model, scope: gen.scope });
}

describe('quality score from evidence', () => {
  it('scores the default TypeScript output near 1, with every component recorded', async () => {
    const r = await score();
    expect(r.toolchain.status).toBe('passed');
    expect(r.symbols.found).toBe(r.symbols.expected);
    expect(r.quality.components).toEqual({
      compiled: 1,
      completeness: 1,
      naming: 1,
      documentation: 1,
      deprecation: 1,
      warnings: 1,
    });
    expect(r.quality.q).toBe(1);
    expect(r.symbols.defects).toEqual([]);
    expect(r.symbols.correct).toBe(true);
  });

  it('lowers documentation when docs are left out, and naming when enums are objects', async () => {
    const none = await score({ doc_style: 'none' });
    expect(none.quality.components.documentation).toBe(0);
    expect(none.quality.components.deprecation).toBe(1); // deprecation tags stay
    const objects = await score({ enum_style: 'object' });
    expect(objects.quality.components.naming).toBeLessThan(1);
    expect(objects.quality.components.completeness).toBe(1);
    expect(none.quality.q).toBeLessThan(1);
    expect(objects.quality.q).toBeLessThan(1);
    // leaving docs out is a quality issue; members named otherwise than the official package are wrong
    expect(new Set(none.symbols.defects.map((d) => d.kind))).toEqual(new Set(['undocumented']));
    expect(none.symbols.correct).toBe(true);
    expect(objects.symbols.defectCounts).toMatchObject({ missing: 0, invented: 0, wrong_value: 0 });
    expect(objects.symbols.defectCounts.wrong_name).toBeGreaterThan(0);
    expect(objects.symbols.correct).toBe(false);
  });

  it('caps a candidate that does not compile at 0.3, and says where it broke', async () => {
    const r = await score({}, (files) => {
      files[0].content += '\nexport const BROKEN: number = "x";\n';
    });
    expect(r.toolchain.status).toBe('failed');
    expect(r.toolchain.diagnostics[0]).toMatchObject({
      file: expect.stringMatching(/\.ts$/),
      severity: 'error',
    });
    expect(r.quality.components.compiled).toBe(0);
    expect(r.quality.q).toBeLessThanOrEqual(UNCOMPILED_CAP);
  });

  it('counts missing symbols and wrong values against completeness', async () => {
    const r = await score({}, (files) => {
      for (const f of files) f.content = f.content.replace("'shop.order.id'", "'shop.order.identifier'");
    });
    expect(r.symbols.found).toBe(r.symbols.expected - 1);
    expect(r.symbols.wrongValue[0]).toMatch(
      /ATTR_SHOP_ORDER_ID = "shop\.order\.identifier", expected "shop\.order\.id"/,
    );
    expect(r.symbols.defects).toEqual([
      expect.objectContaining({ kind: 'wrong_value', item: 'shop.order.id', expected: 'ATTR_SHOP_ORDER_ID' }),
    ]);
    expect(r.symbols.correct).toBe(false);
    expect(r.quality.components.completeness).toBeLessThan(1);
  });

  it('gives no compile credit when the toolchain was missing', () => {
    const q = scoreQuality(
      {
        language: 'go',
        tool: 'go',
        status: 'not_validated',
        reason: 'not validated: go not found',
        errors: 0,
        warnings: 0,
        diagnostics: [],
        durationMs: 0,
      },
      {
        expected: 10,
        found: 10,
        namedOfficially: 10,
        foundKeys: [],
        documentable: 10,
        documented: 10,
        deprecatedExpected: 0,
        deprecatedFound: 0,
        deprecatedMarked: 0,
        notDeprecatedFound: 10,
        falselyDeprecated: 0,
        invented: 0,
        missing: [],
        misnamed: [],
        wrongValue: [],
        defects: [],
        defectsTotal: 0,
        defectCounts: {
          missing: 0,
          wrong_value: 0,
          wrong_name: 0,
          invented: 0,
          unmarked_deprecated: 0,
          falsely_deprecated: 0,
          undocumented: 0,
        },
        correct: true,
      },
    );
    expect(q.components.compiled).toBeNull();
    expect(q.q).toBeLessThanOrEqual(UNCOMPILED_CAP);
  });
});
