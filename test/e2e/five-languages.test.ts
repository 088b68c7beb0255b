import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type GenerateResult, generateProject } from '../../node/generate.js';
import { LANGUAGES } from '../../node/generation/index.js';
import { REAL_REGISTRY } from '../helpers/registry.js';

/**
 * The real registry, generated in all five languages with the default packs and compiled by the
 * real toolchains (.ci/run installs them). Every expected symbol must be present with its value.
 */
describe('the real registry in five languages', () => {
  let result: GenerateResult;

  it('generates and compiles in every language', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wg-five-'));
    result = await generateProject({ registry: REAL_REGISTRY, languages: [...LANGUAGES], out });
    expect(result.languages.map((l) => l.language)).toEqual([...LANGUAGES]);
    const lines = result.languages.map(
      (l) =>
        `${l.language}: ${l.validation.summary}, symbols ${l.symbols.found}/${l.symbols.expected}, q=${l.quality?.q} ${l.error ?? ''}`,
    );
    console.log(lines.join('\n'));
    for (const l of result.languages) {
      expect
        .soft(
          l.validation.status,
          `${l.language}: ${l.validation.summary} ${JSON.stringify(l.validation.diagnostics.slice(0, 3))}`,
        )
        .toBe('passed');
      expect.soft(l.validation.errors, l.language).toBe(0);
      expect.soft(l.files.length, l.language).toBeGreaterThan(0);
      expect.soft(existsSync(join(out, l.language)), l.language).toBe(true);
    }
  });

  it('emits every registry symbol with its exact value, named as the official packages do', () => {
    for (const l of result.languages) {
      expect.soft(l.symbols.expected, l.language).toBeGreaterThan(2400);
      expect.soft(l.symbols.found, l.language).toBe(l.symbols.expected);
      expect.soft(l.quality!.components.naming, l.language).toBeGreaterThan(0.99);
      expect.soft(l.quality!.components.documentation, l.language).toBeGreaterThan(0.95);
      expect.soft(l.quality!.components.deprecation, l.language).toBe(1);
      expect.soft(l.quality!.q, l.language).toBeGreaterThan(0.9);
    }
  });
});
