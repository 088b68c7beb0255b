import { describe, expect, it } from 'vitest';
import { generateWithPack, toTemplateRegistry } from '../../../node/generation/index.js';
import type { Language } from '../../../node/generation/languages.js';
import { findPack } from '../../../node/packs/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { DEFECT_CAP } from '../../../node/validation/index.js';
import { pythonSupport } from '../../../node/validation/languages/python.js';
import { checkSymbols } from '../../../node/validation/symbol-check.js';
import { goSymbols } from '../../../node/validation/symbols/go.js';
import { javaSymbols } from '../../../node/validation/symbols/java.js';
import { pythonSymbols } from '../../../node/validation/symbols/python.js';
import type { ExtractedSymbol } from '../../../node/validation/symbols/types.js';
import { typescriptSymbols } from '../../../node/validation/symbols/typescript.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { SHOP_REGISTRY } from '../../helpers/registry.js';
import { skipNote } from '../../helpers/tools.js';
import {
  check,
  FILES,
  filesWith,
  ID_BRIEF,
  LEGACY_BRIEF,
  lineOf,
  STATUS_BRIEF,
  shopModel,
} from './quality-signal.fixture.js';

type Edit = [from: string, to: string];

/** Per language: the official names, and the edits that break the correct files one way each. */
interface Case {
  /** how a declaration of this name starts its line */
  decl: (name: string) => string;
  id: string;
  legacy: string;
  colour: string;
  /** drops the deprecated item `shop.order.legacy_id` */
  dropLegacy: Edit;
  /** marks the current item `shop.order.id` deprecated */
  markId: Edit;
  /** removes the deprecation marker of `shop.order.legacy_id`, its brief ("Deprecated, use ...") stays */
  unmarkLegacy: Edit;
  /** adds `colour` = "http.request.colour", a key the registry does not have */
  invent: Edit;
  /** renames the constant of `shop.order.id` to `ORDER_KEY`-like, a name that does not carry the item */
  unrelated: Edit;
  unrelatedName: string;
  /** keeps the first 50 characters of the brief of `shop.order.id` */
  truncateDoc: Edit;
  wrongValue: Edit;
  wrongName: Edit;
  wrongNameFound: string;
}

const CASES: Partial<Record<Language, Case>> = {
  typescript: {
    decl: (name) => `export const ${name} `,
    id: 'ATTR_SHOP_ORDER_ID',
    legacy: 'ATTR_SHOP_ORDER_LEGACY_ID',
    colour: 'ATTR_HTTP_REQUEST_COLOUR',
    dropLegacy: [
      `/**\n * ${LEGACY_BRIEF}\n *\n * @deprecated Replaced by \`shop.order.id\`.\n */\nexport const ATTR_SHOP_ORDER_LEGACY_ID = 'shop.order.legacy_id' as const;\n`,
      '',
    ],
    markId: [` * ${ID_BRIEF}\n */`, ` * ${ID_BRIEF}\n *\n * @deprecated Do not use.\n */`],
    unmarkLegacy: [' *\n * @deprecated Replaced by `shop.order.id`.\n', ''],
    invent: [
      "'shop.order.placed' as const;\n",
      "'shop.order.placed' as const;\nexport const ATTR_HTTP_REQUEST_COLOUR = 'http.request.colour' as const;\n",
    ],
    unrelated: ['ATTR_SHOP_ORDER_ID =', 'ORDER_KEY ='],
    unrelatedName: 'ORDER_KEY',
    truncateDoc: [` * ${ID_BRIEF}\n`, ` * ${ID_BRIEF.slice(0, 50)}.\n`],
    wrongValue: ["'shop.order.id' as const", "'shop.order.identifier' as const"],
    wrongName: ['ATTR_SHOP_ORDER_ID =', 'SHOP_ORDER_ID ='],
    wrongNameFound: 'SHOP_ORDER_ID',
  },
  python: {
    decl: (name) => `${name}: Final`,
    id: 'SHOP_ORDER_ID',
    legacy: 'SHOP_ORDER_LEGACY_ID',
    colour: 'HTTP_REQUEST_COLOUR',
    dropLegacy: [
      `SHOP_ORDER_LEGACY_ID: Final = "shop.order.legacy_id"\n"""\n${LEGACY_BRIEF}\n\nDeprecated: Replaced by \`shop.order.id\`.\n"""\n`,
      '',
    ],
    markId: [`"""${ID_BRIEF}"""`, `"""\n${ID_BRIEF}\n\nDeprecated: do not use.\n"""`],
    unmarkLegacy: ['\n\nDeprecated: Replaced by `shop.order.id`.', ''],
    invent: [
      '"""An order was placed."""\n',
      '"""An order was placed."""\n\nHTTP_REQUEST_COLOUR: Final = "http.request.colour"\n',
    ],
    unrelated: ['SHOP_ORDER_ID: Final', 'ORDER_KEY: Final'],
    unrelatedName: 'ORDER_KEY',
    truncateDoc: [`"""${ID_BRIEF}"""`, `"""${ID_BRIEF.slice(0, 50)}."""`],
    wrongValue: ['= "shop.order.id"', '= "shop.order.identifier"'],
    wrongName: ['SHOP_ORDER_ID: Final', 'ATTR_SHOP_ORDER_ID: Final'],
    wrongNameFound: 'ATTR_SHOP_ORDER_ID',
  },
  go: {
    decl: (name) => `const ${name} `,
    id: 'ShopOrderIDKey',
    legacy: 'ShopOrderLegacyIDKey',
    colour: 'HTTPRequestColourKey',
    dropLegacy: [
      `// ShopOrderLegacyIDKey is the attribute key conforming to the "shop.order.legacy_id" semantic conventions.\n// ${LEGACY_BRIEF}\n//\n// Deprecated: Replaced by \`shop.order.id\`.\nconst ShopOrderLegacyIDKey = attribute.Key("shop.order.legacy_id")\n`,
      '',
    ],
    markId: [
      `// ${ID_BRIEF}\nconst ShopOrderIDKey`,
      `// ${ID_BRIEF}\n//\n// Deprecated: do not use.\nconst ShopOrderIDKey`,
    ],
    unmarkLegacy: ['//\n// Deprecated: Replaced by `shop.order.id`.\n', ''],
    invent: [
      'const ShopOrderPlacedEventName = "shop.order.placed"\n',
      'const ShopOrderPlacedEventName = "shop.order.placed"\n\nconst HTTPRequestColourKey = attribute.Key("http.request.colour")\n',
    ],
    // the value constructor keeps its name: it holds no literal, so it is no symbol
    unrelated: ['const ShopOrderIDKey', 'const OrderKey'],
    unrelatedName: 'OrderKey',
    truncateDoc: [`// ${ID_BRIEF}\n`, `// ${ID_BRIEF.slice(0, 50)}.\n`],
    wrongValue: ['attribute.Key("shop.order.id")', 'attribute.Key("shop.order.identifier")'],
    wrongName: ['const ShopOrderIDKey', 'const ShopOrderIdKey'],
    wrongNameFound: 'ShopOrderIdKey',
  },
};

/** the correct files have 8 expected items, 7 of them current (not deprecated), 8 with a brief */
const EXPECTED = 8;
const CURRENT = 7;

const LANGUAGES = Object.keys(CASES) as Language[];

describe.each(LANGUAGES)('the quality signal in %s', (language) => {
  const c = CASES[language]!;
  /** where the declaration of `name` is */
  const at = (files: { path: string; content: string }[], name: string) => lineOf(files, c.decl(name));

  it('scores the correct files 1, with no defect', async () => {
    const r = await check(language, filesWith(language));
    expect(r.symbols.defects).toEqual([]);
    expect(r.symbols).toMatchObject({ expected: EXPECTED, found: EXPECTED, defectsTotal: 0, correct: true });
    expect(r.quality.q).toBe(1);
  });

  it('loophole 1: dropping the deprecated items scores deprecation 0, not 1, and the item is missing', async () => {
    const r = await check(language, filesWith(language, c.dropLegacy));
    expect(r.quality.components.deprecation).toBe(0);
    expect(r.quality.components.completeness).toBeCloseTo((EXPECTED - 1) / EXPECTED);
    expect(r.symbols.defects).toEqual([
      expect.objectContaining({ kind: 'missing', item: 'shop.order.legacy_id', expected: c.legacy }),
    ]);
    expect(r.symbols.defects[0].message).toMatch(
      /deprecated attribute shop\.order\.legacy_id.*marked deprecated/,
    );
    expect(r.symbols.correct).toBe(false);
    // a registry without deprecated items scores deprecation 1
    const none = await check(language, filesWith(language, c.dropLegacy), shopModel({ deprecated: false }));
    expect(none.quality.components.deprecation).toBe(1);
    expect(none.symbols.defects).toEqual([]);
  });

  it('loophole 2: marking a current item deprecated costs deprecation (falsely_deprecated)', async () => {
    const files = filesWith(language, c.markId);
    const r = await check(language, files);
    expect(r.quality.components.deprecation).toBeCloseTo(1 - 1 / CURRENT);
    expect(r.quality.q).toBeLessThan(1);
    expect(r.symbols.defects).toEqual([
      expect.objectContaining({
        kind: 'falsely_deprecated',
        item: 'shop.order.id',
        ...at(files, c.id),
      }),
    ]);
    expect(r.symbols.correct).toBe(false);
  });

  it('loophole 3: a constant holding a key under an unrelated name finds nothing (missing + invented)', async () => {
    const files = filesWith(language, c.unrelated);
    const r = await check(language, files);
    expect(r.symbols.found).toBe(EXPECTED - 1);
    expect(r.quality.components.completeness).toBeCloseTo((EXPECTED - 1) / (EXPECTED + 1));
    const where = at(files, c.unrelatedName);
    expect(r.symbols.defects).toEqual([
      expect.objectContaining({ kind: 'missing', item: 'shop.order.id', expected: c.id, ...where }),
      expect.objectContaining({ kind: 'invented', item: c.unrelatedName, ...where }),
    ]);
    expect(r.symbols.defects[1].message).toContain(`rename it ${c.id}`);
  });

  it('loophole 4: documentation needs the whole brief, not its first 40 characters', async () => {
    const files = filesWith(language, c.truncateDoc);
    const r = await check(language, files);
    expect(r.quality.components.documentation).toBeCloseTo((EXPECTED - 1) / EXPECTED);
    expect(r.symbols.defects).toEqual([
      expect.objectContaining({ kind: 'undocumented', item: 'shop.order.id', ...at(files, c.id) }),
    ]);
    expect(r.symbols.correct).toBe(true); // a quality issue, not a correctness one
  });

  it('loophole 5: the word "Deprecated" in a brief is no deprecation marker', async () => {
    const files = filesWith(language);
    const r = await check(language, files);
    const status = r.extracted.find((s) => s.value === 'shop.order.status');
    expect(status?.doc.replace(/\s+/g, ' ')).toContain(STATUS_BRIEF);
    expect(status?.deprecated).toBe(false);
    // the deprecated item whose brief says "Deprecated, use ..." but carries no marker is not marked
    const unmarked = filesWith(language, c.unmarkLegacy);
    const u = await check(language, unmarked);
    expect(u.quality.components.deprecation).toBe(0);
    expect(u.symbols.defects).toEqual([
      expect.objectContaining({
        kind: 'unmarked_deprecated',
        item: 'shop.order.legacy_id',
        expected: c.legacy,
        ...at(unmarked, c.legacy),
      }),
    ]);
    expect(u.symbols.correct).toBe(false);
  });

  it('loophole 6: invented symbols cost completeness and are reported', async () => {
    const files = filesWith(language, c.invent);
    const r = await check(language, files);
    expect(r.quality.components.completeness).toBeCloseTo(EXPECTED / (EXPECTED + 1));
    expect(r.quality.q).toBeLessThan(1);
    expect(r.symbols.defects).toEqual([
      expect.objectContaining({ kind: 'invented', item: c.colour, ...at(files, c.colour) }),
    ]);
    expect(r.symbols.defects[0].message).toMatch(/http\.request\.colour.*stands for no registry item/);
    expect(r.symbols).toMatchObject({ invented: 1, correct: false });
  });

  it('wrong_value: the official name holding another value', async () => {
    const files = filesWith(language, c.wrongValue);
    const r = await check(language, files);
    expect(r.quality.components.completeness).toBeCloseTo((EXPECTED - 1) / EXPECTED);
    expect(r.symbols.defects).toEqual([
      expect.objectContaining({
        kind: 'wrong_value',
        item: 'shop.order.id',
        expected: c.id,
        found: `${c.id} = "shop.order.identifier"`,
        ...at(files, c.id),
      }),
    ]);
    expect(r.symbols.defects[0].message).toContain(`${c.id} = "shop.order.identifier"`);
    expect(r.symbols.defects[0].message).toContain('expected "shop.order.id"');
  });

  it('wrong_name: the value under a name that carries the item but is not the official one', async () => {
    const files = filesWith(language, c.wrongName);
    const r = await check(language, files);
    expect(r.quality.components.completeness).toBe(1);
    expect(r.quality.components.naming).toBeCloseTo((EXPECTED - 1) / EXPECTED);
    expect(r.symbols.defects).toEqual([
      expect.objectContaining({
        kind: 'wrong_name',
        item: 'shop.order.id',
        expected: c.id,
        found: c.wrongNameFound,
        ...at(files, c.wrongNameFound),
      }),
    ]);
    expect(r.symbols.correct).toBe(false);
  });
});

describe('deprecation markers are the language’s, not words in the text', () => {
  const doc = 'Status of the order, never @deprecated by itself.';
  it.each([
    ['typescript', typescriptSymbols, `/**\n * ${STATUS_BRIEF}\n */\nexport const A = 'a';\n`, 'a.ts'],
    ['python', pythonSymbols, `A = "a"\n"""${STATUS_BRIEF}"""\n`, 'a.py'],
    [
      'go',
      goSymbols,
      `package a\n\n// ${STATUS_BRIEF.replace(' Deprecated:', '\n// Deprecated:')}\nconst A = "a"\n`,
      'a.go',
    ],
    [
      'java',
      javaSymbols,
      `class A {\n  /**\n   * ${doc}\n   */\n  static final String A = "a";\n}\n`,
      'A.java',
    ],
  ] as const)('%s', async (_language, extractor, content, path) => {
    const syms = (await extractor.extract([{ path, content }])) as ExtractedSymbol[];
    expect(syms).toEqual([expect.objectContaining({ name: 'A', value: 'a', deprecated: false })]);
  });

  it('still sees the real markers', async () => {
    const ts = await typescriptSymbols.extract([
      { path: 'a.ts', content: "/** Old. @deprecated use B */\nexport const A = 'a';\n" },
    ]);
    const py = pythonSymbols.extract([
      {
        path: 'a.py',
        content: 'A = "a"\n"""Old.\n\nDeprecated: use B."""\nB = "b"\n""".. deprecated:: 2.0"""\n',
      },
    ]);
    const go = goSymbols.extract([
      { path: 'a.go', content: 'package a\n\n// Deprecated: use B.\nconst A = "a"\n' },
    ]);
    const java = javaSymbols.extract([
      {
        path: 'A.java',
        content:
          'class A {\n  /**\n   * Old.\n   * @deprecated use B\n   */\n  static final String A = "a";\n}\n',
      },
    ]);
    for (const s of [...ts, ...py, ...go, ...java]) expect(s.deprecated, `${s.file} ${s.name}`).toBe(true);
  });
});

describe('the defect list', () => {
  it('lists every defect, correctness kinds first, capped with the total kept', () => {
    const model = shopModel();
    const invented: ExtractedSymbol[] = Array.from({ length: DEFECT_CAP + 200 }, (_, i) => ({
      name: `EXTRA_${i}`,
      value: `extra.${i}`,
      kind: 'constant',
      file: 'x.py',
      line: i + 1,
      doc: '',
      deprecated: false,
      container: '',
    }));
    const undocumented: ExtractedSymbol = { ...invented[0], name: 'SHOP_ORDER_ID', value: 'shop.order.id' };
    const r = checkSymbols(
      [
        {
          kind: 'attribute',
          key: 'shop.order.id',
          value: 'shop.order.id',
          brief: model.attributes[0].brief,
          deprecated: false,
        },
      ],
      [undocumented, ...invented],
      pythonSupport.naming,
    );
    expect(r.defectsTotal).toBe(DEFECT_CAP + 201);
    expect(r.defects).toHaveLength(DEFECT_CAP);
    expect(r.defectCounts).toMatchObject({ invented: DEFECT_CAP + 200, undocumented: 1 });
    expect(r.defects.every((d) => d.kind === 'invented')).toBe(true);
    expect(r.correct).toBe(false);
  });

  it('counts as registry values what packs emit beside the keys (unit, description, schema URL)', async () => {
    const files = filesWith(
      'go',
      [
        'const OrderDurationName = "shop.order.duration"\n',
        'const OrderDurationName = "shop.order.duration"\nconst OrderDurationUnit = "s"\nconst OrderDurationDescription = "Time from order creation to shipping."\n',
      ],
      ['package semconv\n', 'package semconv\n\nconst SchemaURL = "https://example.com/schemas/1.0.0"\n'],
    );
    const r = await check('go', files);
    expect(r.symbols.defects).toEqual([]);
    const wrong = await check(
      'go',
      filesWith('go', ['package shopconv\n', 'package shopconv\n\nconst OrderDurationUnit = "ms"\n']),
    );
    expect(wrong.symbols.defects).toEqual([
      expect.objectContaining({
        kind: 'invented',
        item: 'shop.OrderDurationUnit',
        file: 'shopconv/metric.go',
        line: 3,
      }),
    ]);
  });
});

describe('the built-in packs: no defect, q = 1', () => {
  const REAL = semconvRegistry();
  const run = async (registry: string) => {
    const model = toTemplateRegistry((await loadRegistry(registry, { check: false })).registry);
    const out: string[] = [];
    for (const language of ['typescript', 'python', 'go', 'rust', 'java'] as const) {
      const gen = await generateWithPack(await findPack(language), model, {});
      const r = await check(language, gen.files, model, gen.scope);
      out.push(
        `${language}: ${r.symbols.found}/${r.symbols.expected} defects ${r.symbols.defectsTotal} q=${r.quality.q}`,
      );
      expect(r.symbols.defects.slice(0, 5), language).toEqual([]);
      expect(r.quality.q, language).toBe(1);
    }
    console.log(out.join('\n'));
  };
  it('examples/shop in five languages', () => run(SHOP_REGISTRY));
  it.skipIf(!REAL)(`the real registry in five languages${skipNote(!REAL && SEMCONV_MISSING)}`, () =>
    run(REAL as string),
  );
});

// the fixture's files are what these tests break: make sure they are the ones described
it('has correct files for every language it tests', () => {
  expect(Object.keys(FILES).sort()).toEqual([...LANGUAGES].sort());
});
