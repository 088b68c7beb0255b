import { describe, expect, it } from 'vitest';
import { GenerationError, GenerationErrorCode } from '../../../node/generation/index.js';
import { DEFAULT_LIMITS, renderPack } from '../../../node/generation/render.js';
import type { TemplateRegistry } from '../../../node/generation/template-model.js';
import { createPack, PackError } from '../../../node/packs/index.js';

const manifest = (files = '  - {template: a.liquid, output: a.ts}') =>
  `name: hostile\nversion: 1.0.0\nlanguage: typescript\ndescription: A stranger's pack.\nlicense: MIT\nfiles:\n${files}\n`;
const registry: TemplateRegistry = {
  name: '',
  version: '',
  schema_url: '',
  attributes: [],
  metrics: [],
  events: [],
  namespaces: [
    { name: 'a', attributes: [], metrics: [], events: [] },
    { name: 'b', attributes: [], metrics: [], events: [] },
  ],
};
const fast = { ...DEFAULT_LIMITS, renderLimit: 300 };

async function failure(p: Promise<unknown>): Promise<GenerationError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(GenerationError);
  return e as GenerationError;
}

describe('hostile templates are stopped by the LiquidJS limits', () => {
  it('stops a long-running loop by time, with a clear error naming the template', async () => {
    const pack = createPack(
      manifest(),
      { 'a.liquid': '{% for i in (1..4000) %}{% for j in (1..4000) %}{% endfor %}{% endfor %}' },
      'test',
    );
    const started = performance.now();
    const e = await failure(renderPack(pack, registry, {}, fast));
    expect(e.code).toBe(GenerationErrorCode.LIMIT_EXCEEDED);
    expect(e.message).toMatch(/a\.liquid: stopped by the sandbox limits: .*render limit/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('stops an endless loop over a huge range (default limits)', async () => {
    const pack = createPack(
      manifest(),
      { 'a.liquid': '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}' },
      'test',
    );
    const e = await failure(renderPack(pack, registry, {}));
    expect(e.code).toBe(GenerationErrorCode.LIMIT_EXCEEDED);
  });

  it('stops a template that doubles a string until memory runs out (default limits)', async () => {
    const pack = createPack(
      manifest(),
      {
        'a.liquid':
          '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
      },
      'test',
    );
    const e = await failure(renderPack(pack, registry, {}));
    expect(e.code).toBe(GenerationErrorCode.LIMIT_EXCEEDED);
    expect(e.message).toMatch(/memory/);
  });

  it('stops huge output across files with the output cap', async () => {
    const pack = createPack(
      manifest('  - {template: a.liquid, output: "{{ namespace.name }}.ts", each: namespace}'),
      { 'a.liquid': '{% for i in (1..2000) %}0123456789{% endfor %}' },
      'test',
    );
    const e = await failure(renderPack(pack, registry, {}, { ...DEFAULT_LIMITS, maxOutput: 30_000 }));
    expect(e.code).toBe(GenerationErrorCode.LIMIT_EXCEEDED);
    expect(e.message).toMatch(/output exceeds 30000/);
  });

  it('gives no access to prototypes, constructors or host objects', async () => {
    const pack = createPack(
      manifest(),
      {
        'a.liquid':
          '[{{ registry.constructor }}][{{ registry.constructor.constructor }}][{{ "x".constructor.name }}][{{ registry.__proto__ }}][{{ registry.namespaces.size }}]',
      },
      'test',
    );
    const [file] = await renderPack(pack, registry, {});
    expect(file.content.trim()).toBe('[][][][][2]');
  });

  it('cannot read files outside the pack through include or render', async () => {
    for (const tag of ['{% include "/etc/passwd" %}', '{% render "../../package.json" %}']) {
      const pack = createPack(manifest(), { 'a.liquid': tag }, 'test');
      const e = await failure(renderPack(pack, registry, {}));
      expect(e.code).toBe(GenerationErrorCode.TEMPLATE_RENDER);
    }
  });

  it('refuses output paths that leave the output folder', async () => {
    for (const out of ['../escape.ts', '/etc/cron.d/x', 'a/../../b.ts']) {
      const pack = createPack(
        manifest(`  - {template: a.liquid, output: "${out}"}`),
        { 'a.liquid': 'x' },
        'test',
      );
      const e = await failure(renderPack(pack, registry, {}));
      expect(e.code).toBe(GenerationErrorCode.BAD_OUTPUT_PATH);
    }
  });

  it('rejects a manifest that is not a pack, saying which field is wrong', () => {
    expect(() => createPack('name: Bad Name\nversion: one\nlanguage: cobol\n', {}, 'test')).toThrow(
      PackError,
    );
    expect(() => createPack('name: Bad Name\nversion: one\nlanguage: cobol\n', {}, 'test')).toThrow(
      /name: .*version: .*language/s,
    );
    expect(() => createPack(manifest('  - {template: missing.liquid, output: a.ts}'), {}, 'test')).toThrow(
      /missing\.liquid/,
    );
  });
});
