import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type GeneratedFile,
  generateWithPack,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../../../node/generation/index.js';
import { findPack } from '../../../node/packs/index.js';
import { createPlugins, type Plugins } from '../../../node/plugins/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { createValidator, QUALITY_WEIGHTS, validationStatus } from '../../../node/validation/index.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';

const EXAMPLE = join(process.cwd(), 'examples/plugins/weavergen-plugin-eslint');
let model: TemplateRegistry;
let files: GeneratedFile[];
let linted: GeneratedFile[];
let eslint: Plugins;

beforeAll(async () => {
  model = toTemplateRegistry((await loadRegistry(MINI_REGISTRY)).registry);
  files = (await generateWithPack(await findPack('typescript'), model, {})).files;
  // the same symbols, plus module-level code ESLint warns about three times (no-var, eqeqeq, no-empty)
  linted = files.map((f, i) =>
    i === 0 ? { ...f, content: `${f.content}\nvar counter = 0;\nif (counter == 1) {}\n` } : f,
  );
  eslint = await createPlugins({ plugins: [EXAMPLE] });
});

const validate = (checks: Plugins['checks'], fs: GeneratedFile[], checkTimeoutMs?: number) =>
  createValidator({ checks, checkTimeoutMs }).validate({ language: 'typescript', files: fs, model });

describe("a plugin's validator after the toolchain", () => {
  it("ESLint's findings are warnings of the candidate and lower q through the warnings component", async () => {
    const without = await validate([], linted);
    const withLint = await validate(eslint.checks, linted);
    expect(without.toolchain.status).toBe('passed');
    expect(withLint.toolchain.status).toBe('passed');
    const found = withLint.toolchain.diagnostics.filter((d) => d.message.startsWith('eslint: '));
    expect(found.map((d) => d.message)).toEqual([
      'eslint: Unexpected var, use let or const instead. (no-var)',
      "eslint: Expected '===' and instead saw '=='. (eqeqeq)",
      'eslint: Empty block statement. (no-empty)',
    ]);
    expect(found.every((d) => d.severity === 'warning' && d.file === linted[0].path && d.line > 0)).toBe(
      true,
    );
    expect(withLint.toolchain.warnings).toBe(without.toolchain.warnings + 3);
    expect(withLint.toolchain.checks).toMatchObject([
      { name: 'weavergen-plugin-eslint/eslint', tool: 'eslint', status: 'passed', warnings: 3 },
    ]);
    // the documented component: 1 / (1 + warnings / 5), weighted like the compiler's warnings
    const w = withLint.toolchain.warnings;
    expect(withLint.quality.components.warnings).toBeCloseTo(1 / (1 + w / 5), 10);
    expect(without.quality.q - withLint.quality.q).toBeCloseTo(
      QUALITY_WEIGHTS.warnings * (without.quality.components.warnings - withLint.quality.components.warnings),
      3,
    );
    expect(withLint.quality.q).toBeLessThan(without.quality.q);
    // everything else is measured on the same files
    expect(withLint.symbols).toEqual(without.symbols);
  });

  it('the built-in pack output is clean under the example rules', async () => {
    const r = await validate(eslint.checks, files);
    expect(r.toolchain.diagnostics.filter((d) => d.message.startsWith('eslint: '))).toEqual([]);
    expect(r.quality.q).toBe((await validate([], files)).quality.q);
  });

  it('without ESLint the check says "not validated: eslint not found" and changes neither pass nor fail', async () => {
    // the example plugin copied where neither it nor the working directory can resolve eslint
    const away = await mkdtemp(join(tmpdir(), 'wg-no-eslint-'));
    await cp(EXAMPLE, join(away, 'weavergen-plugin-eslint'), { recursive: true });
    const missing = await createPlugins({ plugins: ['./weavergen-plugin-eslint'], cwd: away });
    const passing = await validate(missing.checks, linted);
    expect(passing.toolchain.status).toBe('passed');
    expect(passing.toolchain.checks).toMatchObject([{ status: 'not_validated', warnings: 0 }]);
    expect(passing.toolchain.checks?.[0].reason).toMatch(/^not validated: eslint not found/);
    expect(validationStatus(passing.toolchain)).toMatch(/^passed.*; eslint: not validated: eslint not found/);
    expect(passing.quality.q).toBe((await validate([], linted)).quality.q);

    const broken = [{ path: 'a.ts', content: 'export const A: number = "a";\n' }];
    const failing = await validate(missing.checks, broken);
    const failingAlone = await validate([], broken);
    expect(failing.toolchain.status).toBe('failed');
    expect(failing.toolchain.errors).toBe(failingAlone.toolchain.errors);
    expect(failing.quality.q).toBe(failingAlone.quality.q);
  });

  it('a validator that throws, hangs or answers nonsense is a diagnostic, never a crash, and no evidence', async () => {
    const bad = await createPlugins({
      plugins: [join(process.cwd(), 'test/fixtures/plugins/misbehaving.mjs')],
    });
    const started = Date.now();
    const r = await validate(bad.checks, files, 300);
    expect(Date.now() - started).toBeLessThan(10_000);
    const notes = r.toolchain.diagnostics.filter((d) => d.message.startsWith('plugin '));
    expect(notes.map((d) => d.message)).toEqual([
      'plugin weavergen-plugin-misbehaving/boom failed: the linter crashed',
      'plugin weavergen-plugin-misbehaving/stuck failed: no answer within 300 ms',
      expect.stringMatching(
        /^plugin weavergen-plugin-misbehaving\/nonsense failed: its answer is not a validation: status/,
      ),
    ]);
    expect(r.toolchain.checks?.map((c) => c.status)).toEqual(['error', 'error', 'error']);
    const alone = await validate([], files);
    expect(r.toolchain.status).toBe(alone.toolchain.status);
    expect(r.toolchain.warnings).toBe(alone.toolchain.warnings);
    expect(r.quality.q).toBe(alone.quality.q);
    expect(validationStatus(r.toolchain)).toMatch(/boom: plugin weavergen-plugin-misbehaving\/boom failed/);
  });

  it('checks do not run when the toolchain is skipped (--no-validate), nor for another language', async () => {
    const v = createValidator({ checks: eslint.checks });
    const skipped = await v.validate({ language: 'typescript', files: linted, model }, { toolchain: false });
    expect(skipped.toolchain.checks).toBeUndefined();
    const py = await v.validate({
      language: 'python',
      files: [{ path: 'a.py', content: 'A = "a"\n' }],
      model,
    });
    expect(py.toolchain.checks).toBeUndefined();
  });
});
