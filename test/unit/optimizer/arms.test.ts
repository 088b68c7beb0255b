import { describe, expect, it } from 'vitest';
import { enumerateArms, paramCombinations } from '../../../node/optimizer/index.js';
import { builtinPacks } from '../../../node/packs/index.js';

describe('arms', () => {
  it('enumerates pack x every param combination x model, defaults first, with stable distinct keys', async () => {
    const packs = await builtinPacks();
    const count = (language: string, models?: string[]) => enumerateArms(packs, { language, models }).length;
    expect(count('typescript')).toBe(12);
    // doc_style 3 x enum_style 3 x layout 3 x metrics 2
    expect(count('python')).toBe(54);
    // doc_style 3 x key_type 3 x layout 3
    expect(count('go')).toBe(27);
    expect(count('typescript', ['builtin', 'ollama:llama3'])).toBe(24);

    const ts = enumerateArms(packs, { language: 'typescript' });
    expect(ts[0]).toMatchObject({
      packName: 'typescript-semconv',
      language: 'typescript',
      model: 'builtin',
      isDefault: true,
      params: { doc_style: 'full', enum_style: 'constants', layout: 'official' },
    });
    expect(ts.filter((a) => a.isDefault)).toHaveLength(1);
    expect(new Set(ts.map((a) => a.key)).size).toBe(12);
    expect(new Set(ts.map((a) => a.paramsHash)).size).toBe(12);
    expect(ts[0].packId).toMatch(/^b[a-z2-7]{50,}$/);
    expect(ts[0].key).toBe(`${ts[0].packId}:${ts[0].paramsHash}:builtin`);
    // same pack, same arms: keys are content-derived, not positional
    expect(enumerateArms(packs, { language: 'typescript' }).map((a) => a.key)).toEqual(ts.map((a) => a.key));
    const pack = packs.find((p) => p.manifest.name === 'typescript-semconv');
    expect(pack && paramCombinations(pack).every((c) => Object.keys(c).length === 3)).toBe(true);
  });
});
