import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TemplateRegistry, toTemplateRegistry } from '../../../node/generation/index.js';
import { createPartialMemo } from '../../../node/generation/partial-memo.js';
import { createEngine, DEFAULT_LIMITS, renderPackSync } from '../../../node/generation/render.js';
import { paramCombinations } from '../../../node/optimizer/index.js';
import { builtinPacks, createPack, type Pack, resolveParams } from '../../../node/packs/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';

const SHOP = join(process.cwd(), 'examples', 'shop');
const load = async (dir: string) => toTemplateRegistry((await loadRegistry(dir, { check: false })).registry);
const plainRender = (pack: Pack, model: TemplateRegistry, params: Record<string, string>) =>
  renderPackSync(pack, model, params, DEFAULT_LIMITS, createEngine(pack, DEFAULT_LIMITS));

/** The shop example, and a copy whose one file says something else about one attribute. */
async function shopAndEdited(): Promise<[TemplateRegistry, TemplateRegistry]> {
  const root = await mkdtemp(join(tmpdir(), 'wg-memo-'));
  await cp(SHOP, join(root, 'shop'), { recursive: true });
  await cp(`${SHOP}-base`, join(root, 'shop-base'), { recursive: true });
  const before = await load(join(root, 'shop'));
  const file = join(root, 'shop', 'payments.yaml');
  const text = await readFile(file, 'utf8');
  const edited = text.replace(
    'brief: Name of the payment service provider.',
    'brief: Edited between two renders.',
  );
  expect(edited).not.toBe(text);
  await writeFile(file, edited);
  return [before, await load(join(root, 'shop'))];
}

describe('renders of partials kept by their arguments', () => {
  it('every built-in pack, every param combination: the same files as without, before and after an edit, and the edit rendered from the kept partials', async () => {
    const [before, after] = await shopAndEdited();
    let shown = 0;
    for (const pack of await builtinPacks()) {
      for (const given of paramCombinations(pack)) {
        const params = resolveParams(pack.manifest, given);
        const memo = createPartialMemo();
        const engine = createEngine(pack, DEFAULT_LIMITS, memo);
        const what = `${pack.manifest.name} ${JSON.stringify(params)}`;
        expect(renderPackSync(pack, before, params, DEFAULT_LIMITS, engine), what).toEqual(
          plainRender(pack, before, params),
        );
        const { hits } = memo.stats();
        const edited = renderPackSync(pack, after, params, DEFAULT_LIMITS, engine);
        expect(edited, what).toEqual(plainRender(pack, after, params));
        if (edited.some((f) => f.content.includes('Edited between two renders'))) shown++;
        // the attributes the edit did not touch came from the kept renders
        if (memo.stats().misses > 0) expect(memo.stats().hits, what).toBeGreaterThan(hits);
      }
    }
    // the edit is one every language documents (unless asked for no docs)
    expect(shown).toBeGreaterThan(10);
  });

  const pack = (templates: Record<string, string>) =>
    createPack(
      'name: p\nversion: 1.0.0\nlanguage: typescript\ndescription: d\nlicense: MIT\nfiles:\n  - {template: a.liquid, output: a.ts}\n',
      templates,
      'test',
    );
  const model = (keys: string[]) =>
    ({
      name: 'r',
      version: '1',
      schema_url: '',
      attributes: keys.map((key) => ({ key, brief: `about ${key}` })),
      metrics: [],
      events: [],
      namespaces: [],
    }) as unknown as TemplateRegistry;

  it('keys on the arguments: a partial given another value renders again, the same value does not', () => {
    const p = pack({
      'a.liquid':
        "{% for a in registry.attributes %}{% render 'b.liquid', attr: a, n: forloop.index %}{% endfor %}",
      'b.liquid': '[{{ n }} {{ attr.key }} {{ attr.brief }}]',
    });
    const memo = createPartialMemo();
    const engine = createEngine(p, DEFAULT_LIMITS, memo);
    const out = (keys: string[]) => renderPackSync(p, model(keys), {}, DEFAULT_LIMITS, engine)[0].content;
    expect(out(['x', 'y'])).toBe('[1 x about x][2 y about y]\n');
    expect(memo.stats()).toMatchObject({ hits: 0, misses: 2 });
    expect(out(['x', 'z'])).toBe('[1 x about x][2 z about z]\n');
    expect(memo.stats()).toMatchObject({ hits: 1, misses: 3 });
    // the same content at another position is another argument (n)
    expect(out(['z', 'x'])).toBe('[1 z about z][2 x about x]\n');
    expect(memo.stats()).toMatchObject({ hits: 1, misses: 5 });
  });

  it('does not keep what could render differently with the same text: with/for, drops, a stateful tag', () => {
    const p = pack({
      'a.liquid': [
        "{% render 'c.liquid' for registry.attributes as attr %}",
        "{% render 'c.liquid' with registry.attributes[0] as attr %}",
        "{% for a in registry.attributes %}{% render 'd.liquid', loop: forloop %}{% endfor %}",
        "{% render 'e.liquid' %}{% render 'e.liquid' %}",
      ].join('|'),
      'c.liquid': '{{ attr.key }}',
      'd.liquid': '{{ loop.index }}',
      'e.liquid': '{% increment k %}{% increment k %}',
    });
    const memo = createPartialMemo();
    const engine = createEngine(p, DEFAULT_LIMITS, memo);
    const m = model(['x', 'y']);
    const first = renderPackSync(p, m, {}, DEFAULT_LIMITS, engine)[0].content;
    expect(first).toBe(plainRender(p, m, {})[0].content);
    expect(renderPackSync(p, m, {}, DEFAULT_LIMITS, engine)[0].content).toBe(first);
    expect(memo.stats().skipped).toBeGreaterThanOrEqual(6);
  });

  it('holds at most its budget, least recently used out', () => {
    const memo = createPartialMemo(10);
    memo.set('a', '1234');
    memo.set('b', '1234');
    expect(memo.get('a')).toBe('1234');
    memo.set('c', '12');
    expect(memo.get('b')).toBeUndefined();
    expect(memo.get('a')).toBe('1234');
    memo.set('big', '123456789');
    expect(memo.get('big')).toBeUndefined();
    expect(memo.stats().chars).toBeLessThanOrEqual(10);
  });
});
