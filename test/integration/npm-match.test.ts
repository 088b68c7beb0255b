import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateWithPack,
  type TemplateGeneration,
  toTemplateRegistry,
} from '../../node/generation/index.js';
import { findPack } from '../../node/packs/index.js';
import { loadRegistry } from '../../node/semconv/index.js';
import { typescriptSymbols } from '../../node/validation/symbols/typescript.js';
import { SEMCONV_MISSING, semconvRegistry } from '../helpers/reference.js';
import { skipNote } from '../helpers/tools.js';

/**
 * The TypeScript pack's default output must be a drop-in for @opentelemetry/semantic-conventions
 * 1.44.0, generated from the same registry release. Compared: every string constant of the
 * package's generated modules (stable_* and experimental_*). Not compared: the hand-kept legacy
 * exports of the stable entry point (SEMATTRS_*, SEMRESATTRS_*, *VALUES_*), which no registry holds.
 */
const require = createRequire(import.meta.url);
const MODULES = [
  'stable_attributes',
  'stable_metrics',
  'stable_events',
  'experimental_attributes',
  'experimental_metrics',
  'experimental_events',
];
const dist = (m: string) =>
  require.resolve(`@opentelemetry/semantic-conventions`).replace(/index\.cjs$/, `${m}.cjs`);

const REAL = semconvRegistry();
const NOTE = skipNote(!REAL && SEMCONV_MISSING);

let gen: TemplateGeneration;
beforeAll(async () => {
  if (!REAL) return;
  const { registry } = await loadRegistry(REAL, { check: false });
  gen = await generateWithPack(await findPack('typescript'), toTemplateRegistry(registry));
});

describe.skipIf(!REAL)(`TypeScript pack vs @opentelemetry/semantic-conventions@1.44.0${NOTE}`, () => {
  it('has the same file split and entry points', () => {
    expect(gen.files.map((f) => f.path).sort()).toEqual(
      [...MODULES.map((m) => `${m}.ts`), 'index-incubating.ts', 'index.ts'].sort(),
    );
    const index = gen.files.find((f) => f.path === 'index.ts')!.content;
    expect(index).toMatch(/from '\.\/stable_attributes'/);
    expect(index).not.toMatch(/experimental/);
    const incubating = gen.files.find((f) => f.path === 'index-incubating.ts')!.content;
    for (const m of MODULES) expect(incubating).toContain(`from './${m}'`);
  });

  it('emits at least 99% of the package constants with the same value, stable ones in the stable files', () => {
    const ours = new Map(typescriptSymbols.extract(gen.files).map((s) => [s.name, s]));
    let total = 0;
    const misses: string[] = [];
    for (const m of MODULES) {
      const exports = require(dist(m)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(exports)) {
        if (typeof value !== 'string') continue;
        total++;
        const o = ours.get(name);
        if (!o) misses.push(`${m}: ${name} missing`);
        else if (o.value !== value)
          misses.push(`${m}: ${name} = ${JSON.stringify(o.value)}, package has ${JSON.stringify(value)}`);
        else if (m.startsWith('stable') && !o.file.startsWith('stable'))
          misses.push(`${m}: ${name} is in ${o.file}, not in the stable entry point`);
      }
    }
    const rate = (total - misses.length) / total;
    console.log(
      `npm match: ${total - misses.length}/${total} = ${(rate * 100).toFixed(2)}%${misses.length ? `; misses:\n${misses.join('\n')}` : ''}`,
    );
    expect(total).toBeGreaterThan(2400);
    expect(rate).toBeGreaterThanOrEqual(0.99);
  });

  it('marks deprecated constants @deprecated and template attributes as functions, like the package', () => {
    const syms = new Map(typescriptSymbols.extract(gen.files).map((s) => [s.name, s]));
    expect(syms.get('ATTR_HTTP_METHOD')).toMatchObject({ value: 'http.method', deprecated: true });
    expect(syms.get('ATTR_HTTP_REQUEST_METHOD')).toMatchObject({
      deprecated: false,
      file: 'stable_attributes.ts',
    });
    const header = syms.get('ATTR_HTTP_REQUEST_HEADER')!;
    expect(header).toMatchObject({ kind: 'template', value: 'http.request.header' });
    const pkg = require('@opentelemetry/semantic-conventions') as Record<string, (k: string) => string>;
    expect(pkg.ATTR_HTTP_REQUEST_HEADER('content-type')).toBe('http.request.header.content-type');
  });
});
