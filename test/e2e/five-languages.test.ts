import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../node/generation/languages.js';
import { cli } from '../helpers/cli.js';
import { provideJavaApi } from '../helpers/java-api.js';
import { providePythonApi } from '../helpers/python-api.js';
import { SEMCONV_MISSING, semconvRegistry } from '../helpers/reference.js';
import { SHOP_REGISTRY } from '../helpers/registry.js';
import { skipNote, toolchain } from '../helpers/tools.js';

const REAL_REGISTRY = semconvRegistry();
const TOOLS = toolchain('go', 'goOtel', 'java', 'rust', 'python');
/** the default Python output needs opentelemetry-api, which is not installable offline (see python-api.ts) */
const PY_API = providePythonApi();
/** the default Java output declares AttributeKey<T> of opentelemetry-api, not in Debian (see java-api.ts) */
const JAVA_API = provideJavaApi();

interface LanguageJson {
  language: string;
  files: { path: string }[];
  outDir?: string;
  symbols: { expected: number; found: number };
  validation: { status: string; summary: string; errors: number; diagnostics: unknown[] };
  quality: { q: number; components: Record<string, number | null> };
}

/** `weavergen generate <dir> --lang <all five> --json`, as a user runs it: the node in the CLI's own process. */
async function generateAll(registry: string) {
  const out = await mkdtemp(join(tmpdir(), 'wg-five-'));
  const home = await mkdtemp(join(tmpdir(), 'wg-five-home-'));
  const r = await cli([
    'generate',
    registry,
    '--lang',
    LANGUAGES.join(','),
    '--out',
    out,
    '--json',
    '--home',
    home,
  ]);
  const json = JSON.parse(r.stdout) as { languages: LanguageJson[] };
  const lines = json.languages.map(
    (l) =>
      `${l.language}: ${l.validation.summary}, symbols ${l.symbols.found}/${l.symbols.expected}, q=${l.quality?.q}`,
  );
  console.log(lines.join('\n'));
  return { ...r, out, languages: json.languages };
}

function expectCompiledEverywhere(result: Awaited<ReturnType<typeof generateAll>>) {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.languages.map((l) => l.language)).toEqual([...LANGUAGES]);
  for (const l of result.languages) {
    const why = `${l.language}: ${l.validation.summary} ${JSON.stringify(l.validation.diagnostics.slice(0, 3))}`;
    expect.soft(l.validation.status, why).toBe('passed');
    expect.soft(l.validation.errors, l.language).toBe(0);
    expect.soft(l.files.length, l.language).toBeGreaterThan(0);
    expect.soft(existsSync(join(result.out, l.language)), l.language).toBe(true);
    expect.soft(l.symbols.found, l.language).toBe(l.symbols.expected);
    expect.soft(l.quality.components.naming, l.language).toBeGreaterThan(0.99);
    expect.soft(l.quality.components.deprecation, l.language).toBe(1);
  }
}

/**
 * The project's own example registry (both syntaxes, a dependency registry, every loader feature),
 * generated in all five languages through the CLI's one pipeline and compiled by the real toolchains.
 */
describe.skipIf(TOOLS.skip)(`examples/shop in five languages${TOOLS.note}${PY_API}${JAVA_API}`, () => {
  it('generates, compiles and finds every symbol in every language', async () => {
    const result = await generateAll(SHOP_REGISTRY);
    expectCompiledEverywhere(result);
    for (const l of result.languages) {
      expect.soft(l.symbols.expected, l.language).toBeGreaterThan(80);
      expect.soft(l.quality.q, l.language).toBe(1);
    }
  });
});

/** The real registry v1.44.0: 2400+ symbols per language, every one with its exact value. */
describe.skipIf(!REAL_REGISTRY || TOOLS.skip)(
  `the real registry in five languages${skipNote(!REAL_REGISTRY && SEMCONV_MISSING, TOOLS.skip && TOOLS.reason)}${PY_API}${JAVA_API}`,
  () => {
    it('generates, compiles and emits every registry symbol with its exact value, named as the official packages do', async () => {
      const result = await generateAll(REAL_REGISTRY as string);
      expectCompiledEverywhere(result);
      for (const l of result.languages) {
        expect.soft(l.symbols.expected, l.language).toBeGreaterThan(2400);
        expect.soft(l.quality.components.documentation, l.language).toBeGreaterThan(0.95);
        expect.soft(l.quality.q, l.language).toBeGreaterThan(0.9);
      }
    });
  },
);
