import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../../node/errors.js';
import { ModelError, ModelErrorCode } from '../../../node/models/index.js';
import {
  createPlugins,
  PLUGIN_API_VERSION,
  PluginError,
  PluginErrorCode,
} from '../../../node/plugins/index.js';

const EXAMPLE = './examples/plugins/weavergen-plugin-eslint';
const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'plugins');

const refusal = async (entries: string[], init: Parameters<typeof createPlugins>[0] = {}) => {
  try {
    await createPlugins({ plugins: entries, ...init });
  } catch (e) {
    return e as PluginError;
  }
  throw new Error('expected the plugins to be refused');
};

describe('loading plugins', () => {
  it('loads the example plugin by a path relative to the working directory', async () => {
    const p = await createPlugins({ plugins: [EXAMPLE] });
    expect(p.loaded).toEqual([
      {
        entry: EXAMPLE,
        name: 'weavergen-plugin-eslint',
        version: '1.0.0',
        file: join(process.cwd(), 'examples/plugins/weavergen-plugin-eslint/index.js'),
      },
    ]);
    expect(p.checks.map((c) => [c.name, c.language, c.tool])).toEqual([
      ['weavergen-plugin-eslint/eslint', 'typescript', 'eslint'],
    ]);
    expect(p.generators).toEqual([]);
    expect(p.postProcess).toBeTypeOf('function');
    expect(p.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // no plugins: nothing to do, and a fingerprint that leaves cache keys as they were
    const none = await createPlugins({});
    expect(none).toMatchObject({ loaded: [], checks: [], generators: [], fingerprint: '' });
    expect(none.postProcess).toBeUndefined();
  });

  it('finds a package by name in the home when the working directory does not have it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-plugins-home-'));
    const dir = join(home, 'node_modules', '@acme', 'weavergen-plugin-header');
    await mkdir(join(dir, 'lib'), { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name: '@acme/weavergen-plugin-header',
        version: '2.3.4',
        type: 'module',
        exports: { '.': { import: './lib/main.js' } },
      }),
    );
    await writeFile(
      join(dir, 'lib', 'main.js'),
      `export default { name: '@acme/weavergen-plugin-header', apiVersion: ${PLUGIN_API_VERSION}, postProcessors: [{ name: 'h', process: (l, files) => files }] };\n`,
    );
    const cwd = await mkdtemp(join(tmpdir(), 'wg-plugins-cwd-'));
    const p = await createPlugins({ plugins: ['@acme/weavergen-plugin-header'], cwd, home });
    expect(p.loaded[0]).toMatchObject({ name: '@acme/weavergen-plugin-header', version: '2.3.4' });
    expect(p.loaded[0].file).toBe(join(dir, 'lib', 'main.js'));
  });

  it('refuses a plugin of another API major with what to do, exit 2', async () => {
    const e = await refusal([join(FIXTURES, 'api-two.mjs')]);
    expect(e).toBeInstanceOf(PluginError);
    expect(e.code).toBe(PluginErrorCode.API_MISMATCH);
    const name = join(FIXTURES, 'api-two.mjs');
    expect(e.message).toBe(
      `plugin ${name} declares plugin API 2; this WeaverGen supports 1: upgrade weavergen, or use a version of ${name} that supports 1 (or remove it from "plugins" in weavergen.config.json)`,
    );
    expect(e.message).not.toMatch(/\n/);
    expect(outcomeOf(e)).toMatchObject({ exit: 2, code: 'PLUGIN_API_MISMATCH' });
  });

  it('a package that is not installed is PLUGIN_NOT_FOUND, saying where it looked and the fix', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'wg-plugins-none-'));
    const e = await refusal(['weavergen-plugin-nowhere'], { cwd });
    expect(e.code).toBe(PluginErrorCode.NOT_FOUND);
    expect(e.message).toMatch(/^plugin weavergen-plugin-nowhere not found \(looked in .*node_modules/);
    expect(e.message).toMatch(
      /npm install weavergen-plugin-nowhere in the project or the home\), or fix or remove "weavergen-plugin-nowhere" in "plugins" of weavergen\.config\.json$/,
    );
    expect(e.type).toMatchObject({ plugin: 'weavergen-plugin-nowhere' });
    expect(outcomeOf(e).exit).toBe(2);
    // a path that is not there either
    expect((await refusal(['./no/such/plugin.mjs'], { cwd })).code).toBe(PluginErrorCode.NOT_FOUND);
    // nor a name that is neither
    expect((await refusal(['Not A Name'], { cwd })).message).toMatch(
      /neither an npm package name nor a path/,
    );
  });

  it('a module that throws on import or in its factory is PLUGIN_LOAD_FAILED with the reason', async () => {
    const thrown = await refusal([join(FIXTURES, 'factory-throws.mjs')]);
    expect(thrown.code).toBe(PluginErrorCode.LOAD_FAILED);
    expect(thrown.message).toMatch(
      /failed to load: its factory threw: cannot find my settings; fix or reinstall it/,
    );
    const syntax = await refusal([join(FIXTURES, 'syntax-error.mjs')]);
    expect(syntax.code).toBe(PluginErrorCode.LOAD_FAILED);
    expect(syntax.message).toMatch(/importing .*syntax-error\.mjs threw/);
  });

  it('what is not a plugin is PLUGIN_INVALID, naming what is wrong', async () => {
    const e = await refusal([join(FIXTURES, 'new-language.mjs')]);
    expect(e.code).toBe(PluginErrorCode.INVALID);
    expect(e.message).toMatch(/validators\.0\.language: one of typescript, python, go, rust, java/);
    // the first plugin that fails stops the rest: the example after it is not loaded
    expect((await refusal([join(FIXTURES, 'new-language.mjs'), EXAMPLE])).code).toBe(PluginErrorCode.INVALID);
  });
});

describe("a plugin's generator and post-processors", () => {
  const misbehaving = join(FIXTURES, 'misbehaving.mjs');
  const registry = {
    attributes: [{ key: 'shop.order.id', brief: 'Id.', is_template: false }],
  } as never;

  it('is the generator plugin:<name>, whose files are checked', async () => {
    const [g] = (await createPlugins({ plugins: [misbehaving] })).generators;
    expect([g.id, g.kind, g.modelName]).toEqual(['plugin:vars', 'plugin', 'vars']);
    const r = await g.generate({ language: 'typescript', model: registry });
    expect(r).toMatchObject({ model: 'plugin:vars', kind: 'plugin', usage: { costUsd: 0 } });
    expect(r.files[0].content).toMatch(/export var ATTR_SHOP_ORDER_ID = 'shop.order.id';/);
    await expect(g.generate({ language: 'go', model: registry })).rejects.toMatchObject({
      code: ModelErrorCode.BAD_REQUEST,
    });
  });

  it('post-processors run in order; an escaping path, output past its bound or a throw is PLUGIN_FAILED', async () => {
    const p = await createPlugins({ plugins: [EXAMPLE, misbehaving] });
    const files = [{ path: 'src/a.ts', content: "export const A = 'a';\n" }];
    const out = await p.postProcess!('typescript', files);
    expect(out[0].content).toMatch(
      /^\/\/ Code generated by WeaverGen\. DO NOT EDIT\.\n\nexport const A = 'a';\n\/\/ end of typescript \(/,
    );
    expect(files[0].content).toBe("export const A = 'a';\n");
    for (const [mode, message] of [
      [
        'escape',
        /post-processor footer failed: the file path "..\/outside.ts" is outside the packs' path rule/,
      ],
      ['huge', /post-processor footer failed: more than \d+ bytes of files/],
      ['throw', /post-processor footer failed: threw: no footer today/],
    ] as const) {
      process.env.WG_TEST_POST = mode;
      try {
        await expect(p.postProcess!('typescript', files)).rejects.toThrow(message);
        await expect(p.postProcess!('typescript', files)).rejects.toMatchObject({
          code: PluginErrorCode.FAILED,
        });
      } finally {
        delete process.env.WG_TEST_POST;
      }
    }
  });

  it('a generator past its time is a model timeout, not a hang', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wg-plugins-slow-'));
    await writeFile(
      join(dir, 'slow.mjs'),
      "export default { name: 'slow', apiVersion: 1, generators: [{ name: 'slow', languages: ['go'], generate: () => new Promise(() => {}) }] };\n",
    );
    const [g] = (await createPlugins({ plugins: [join(dir, 'slow.mjs')], generatorTimeoutMs: 200 }))
      .generators;
    const e = await g.generate({ language: 'go', model: registry }).catch((x) => x);
    expect(e).toBeInstanceOf(ModelError);
    expect(e.code).toBe(ModelErrorCode.TIMEOUT);
    expect(e.message).toBe('plugin slow generator slow: no answer within 200 ms');
  });
});
