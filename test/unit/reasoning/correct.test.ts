import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../node/reasoning/correct.js';
import type { ValidationResult } from '../../../node/validation/index.js';
import { scoreQuality } from '../../../node/validation/quality.js';
import { check, filesWith, shopModel } from '../validation/quality-signal.fixture.js';

/** The same evidence as a toolchain that failed with one located error. */
function failed(v: ValidationResult): ValidationResult {
  const toolchain = {
    ...v.toolchain,
    status: 'failed' as const,
    errors: 1,
    diagnostics: [
      { file: 'attributes.ts', line: 4, column: 1, severity: 'error' as const, message: "';' expected." },
    ],
  };
  return { ...v, toolchain, quality: scoreQuality(toolchain, v.symbols) };
}

describe('diagnose: the summary from the defects', () => {
  it('names the wrong value, the item and the place, never "missing e.g. -"', async () => {
    const v = await check(
      'typescript',
      filesWith('typescript', ["'shop.order.id' as const", "'shop.order.identifier' as const"]),
    );
    const d = diagnose(v);
    expect(d.summary).not.toContain('e.g. -');
    expect(d.summary).toContain(
      'wrong value: ATTR_SHOP_ORDER_ID = "shop.order.identifier" (attributes.ts:4), expected "shop.order.id"',
    );
    expect(d.summary).toMatch(/^completeness 0\.88 \(1 wrong value\): wrong value: /);
    expect(d.weak).toEqual(['completeness']);
    expect(d.defects).toEqual([expect.objectContaining({ kind: 'wrong_value', item: 'shop.order.id' })]);
  });

  it('names invented symbols and missing deprecation markers', async () => {
    const v = await check(
      'python',
      filesWith(
        'python',
        ['\n\nDeprecated: Replaced by `shop.order.id`.', ''],
        ['"""An order was placed."""\n', '"""An order was placed."""\nHTTP_REQUEST_COLOUR: Final = "x.y"\n'],
      ),
    );
    const d = diagnose(v);
    expect(d.summary).toMatch(
      /^completeness 0\.89 \(1 invented\), deprecation 0\.00 \(1 not marked deprecated\): /,
    );
    expect(d.summary).toContain('invented: HTTP_REQUEST_COLOUR = "x.y" (shop/attributes.py:');
    expect(d.summary).toContain('not marked deprecated: SHOP_ORDER_LEGACY_ID (shop/attributes.py:7)');
    expect(d.weak).toEqual(['completeness', 'deprecation']);
  });

  it('says so when there is nothing wrong', async () => {
    const d = diagnose(await check('typescript', filesWith('typescript')));
    expect(d).toMatchObject({ weak: [], defects: [], summary: 'no defects, q=1.000' });
  });

  it('tells a candidate that did not compile its compile errors and nothing else', async () => {
    // a registry without deprecated items, and output the symbol checks can make little of
    const model = shopModel({ deprecated: false });
    const v = failed(
      await check('typescript', [{ path: 'attributes.ts', content: 'export const = ;\n' }], model),
    );
    expect(v.quality.components.compiled).toBe(0);
    const d = diagnose(v);
    expect(d.summary).toBe("does not compile (1 error: attributes.ts:4: ';' expected.)");
    expect(d.summary).not.toMatch(/deprecat|complete|naming|documentation/);
    expect(d.weak).toEqual(['compiled']);
    expect(d.defects).toEqual([]);
  });

  it('keeps the no-output case', () => {
    expect(diagnose(undefined, 'timeout')).toEqual({
      weak: ['compiled'],
      summary: 'no output: timeout',
      defects: [],
    });
  });
});

describe('diagnose: component claims only where defects are', () => {
  it('claims deprecation for a dropped deprecated item, never on a registry without any', async () => {
    const dropped = diagnose(
      await check(
        'go',
        filesWith('go', ['const ShopOrderLegacyIDKey = attribute.Key("shop.order.legacy_id")\n', '']),
      ),
    );
    expect(dropped.summary).toMatch(
      /^completeness 0\.88 \(1 missing\), deprecation 0\.00 \(1 deprecated missing\): missing: deprecated attribute shop\.order\.legacy_id/,
    );
    expect(dropped.weak).toEqual(['completeness', 'deprecation']);
    // nothing found at all, on a registry without deprecated items: completeness only
    const empty = diagnose(
      await check('go', [{ path: 'a.go', content: 'package a\n' }], shopModel({ deprecated: false })),
    );
    expect(empty.summary).toMatch(/^completeness 0\.00 \(7 missing\): missing: attribute shop\.order\.id/);
    expect(empty.summary).not.toMatch(/deprecat|naming|documentation/);
    expect(empty.weak).toEqual(['completeness']);
  });
});
