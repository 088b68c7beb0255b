import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateWithPack,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../../../node/generation/index.js';
import { paramCombinations } from '../../../node/optimizer/arms.js';
import { findPack, type Pack } from '../../../node/packs/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { typescriptSymbols } from '../../../node/validation/symbols/typescript.js';
import { createTypescriptToolchain } from '../../../node/validation/toolchains/typescript.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { skipNote } from '../../helpers/tools.js';

let model: TemplateRegistry;
let pack: Pack;
const toolchain = createTypescriptToolchain();
const REAL = semconvRegistry();

beforeAll(async () => {
  if (REAL) model = toTemplateRegistry((await loadRegistry(REAL, { check: false })).registry);
  pack = await findPack('typescript');
});

describe('TypeScript pack and validator', () => {
  const real = `compiles the real registry strictly with every param combination${skipNote(!REAL && SEMCONV_MISSING)}`;
  it.skipIf(!REAL)(real, async () => {
    const all = paramCombinations(pack);
    expect(all.length).toBe(12);
    for (const params of all) {
      const gen = await generateWithPack(pack, model, params);
      const r = await toolchain.validate(gen.files);
      expect(r.diagnostics.slice(0, 3), JSON.stringify(params)).toEqual([]);
      expect(r.status).toBe('passed');
    }
  });

  it('extracts constants, templates, object members, docs and deprecation through the compiler parser', () => {
    const syms = typescriptSymbols.extract([
      {
        path: 'a.ts',
        content: [
          '/** Brief of a. */',
          "export const ATTR_A = 'a.b' as const;",
          '/**',
          ' * Old.',
          ' * @deprecated Replaced by `a.b`.',
          ' */',
          'export const ATTR_OLD = "a.old";',
          "export const ATTR_T = (key: string): string => 'a.t.' + key;",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
          'export const ATTR_U = (key: string) => `a.u.${key}`;',
          "export const AValues = Object.freeze({ GET: 'GET', N: 7 } as const);",
        ].join('\n'),
      },
    ]);
    const by = Object.fromEntries(syms.map((s) => [s.container ? `${s.container}.${s.name}` : s.name, s]));
    expect(by.ATTR_A).toMatchObject({ value: 'a.b', doc: 'Brief of a.', deprecated: false, line: 2 });
    expect(by.ATTR_OLD).toMatchObject({ value: 'a.old', deprecated: true });
    expect(by.ATTR_T).toMatchObject({ kind: 'template', value: 'a.t' });
    expect(by.ATTR_U).toMatchObject({ kind: 'template', value: 'a.u' });
    expect(by['AValues.GET']).toMatchObject({ value: 'GET' });
    expect(by['AValues.N']).toMatchObject({ value: 7 });
  });

  it('fails a broken file with a located diagnostic', async () => {
    const r = await toolchain.validate([
      { path: 'x.ts', content: "export const A = 'a';\nexport const B: number = A;\n" },
    ]);
    expect(r.status).toBe('failed');
    expect(r.diagnostics[0]).toMatchObject({ file: 'x.ts', line: 2, severity: 'error' });
  });
});
