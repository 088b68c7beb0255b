import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { pythonApiEnv } from '../helpers/python-api.js';
import { SEMCONV_MISSING, semconvRegistry } from '../helpers/reference.js';
import { MINI_REGISTRY as EXAMPLE, writeRegistry, yaml } from '../helpers/registry.js';
import { skipNote } from '../helpers/tools.js';

const BAD = yaml(
  'groups:',
  '  - id: registry.x',
  '    type: attribute_group',
  '    brief: X.',
  '    attributes:',
  '      - {id: x.a, type: strng, stability: development, brief: A.}',
  '      - {ref: x.missing}',
);

describe('weavergen registry check', () => {
  const REAL = semconvRegistry();
  it.skipIf(!REAL)(
    `exits 0 on the real registry and says ok${skipNote(!REAL && SEMCONV_MISSING)}`,
    async () => {
      const r = await cli(['registry', 'check', REAL!]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^ok: \d+ files, \d+ attributes, \d+ groups: 0 errors/m);
    },
  );

  it('exits 1 on a bad registry and prints every error with file:line:column and a fix', async () => {
    const dir = await writeRegistry({ 'bad.yaml': BAD });
    const r = await cli(['registry', 'check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /bad\.yaml:6:9: error \[invalid-type\] invalid attribute type "strng"\n {2}fix: use one of string/,
    );
    expect(r.stdout).toMatch(/bad\.yaml:7:9: error \[unresolved-ref\]/);
    expect(r.stdout).toMatch(/^failed: .*2 errors/m);
  });

  it('prints JSON with --format json', async () => {
    const dir = await writeRegistry({ 'bad.yaml': BAD });
    const r = await cli(['registry', 'check', dir, '--format', 'json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.errors).toBe(2);
    expect(json.diagnostics.map((d: { code: string }) => d.code).sort()).toEqual([
      'invalid-type',
      'unresolved-ref',
    ]);
    expect(json.diagnostics[0].location).toMatchObject({
      line: expect.any(Number),
      column: expect.any(Number),
    });
  });

  it('exits 2 with a clear message when the folder does not exist', async () => {
    const r = await cli(['registry', 'check', '/nonexistent/registry']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/registry not found: \/nonexistent\/registry/);
  });
});

describe('weavergen registry resolve', () => {
  it('writes the resolved model as JSON', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'wg-')), 'resolved.json');
    const r = await cli(['registry', 'resolve', EXAMPLE, '--format', 'model', '-o', out]);
    expect(r.code).toBe(0);
    const model = JSON.parse(await readFile(out, 'utf8'));
    expect(model.attributes.map((a: { key: string }) => a.key)).toContain('shop.order.status');
    expect(
      model.groups
        .find((g: { id: string }) => g.id === 'span.shop.checkout')
        .attributes.map((a: { key: string }) => a.key),
    ).toEqual(['shop.order.id', 'shop.payment.method']);
  });
});

describe('weavergen generate', () => {
  it('generates, validates and writes per language, with --json', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wg-out-'));
    // python's default declares create_* factories on opentelemetry-api: where that is not installed
    // (not in Debian, so not in CI) a candidate importing it is "not validated" and the loop moves to
    // the variant without them (pipeline.test.ts); against a stand-in of the API the default itself
    // passes, as a user with the API installed sees it (see python-api.ts)
    const r = await cli(['generate', EXAMPLE, '--lang', 'ts,python', '--out', out, '--json'], pythonApiEnv());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const ts = json.languages.find((l: { language: string }) => l.language === 'typescript');
    expect(ts.validation.status).toBe('passed');
    expect(ts.symbols.found).toBe(ts.symbols.expected);
    expect(ts.quality.q).toBeGreaterThan(0.9);
    expect(Object.keys(ts.quality.components).sort()).toEqual([
      'compiled',
      'completeness',
      'deprecation',
      'documentation',
      'naming',
      'warnings',
    ]);
    expect(existsSync(join(out, 'typescript', 'index.ts'))).toBe(true);
    const py = json.languages.find((l: { language: string }) => l.language === 'python');
    expect(py.files.length).toBeGreaterThan(0);
    expect(py.validation.status).toBe('passed');
  });

  it('prints a summary table by default', async () => {
    const r = await cli(['generate', EXAMPLE, '--lang', 'ts', '--param', 'doc_style=brief']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/language\s+pack\s+files\s+symbols\s+validation\s+quality/);
    expect(r.stdout).toMatch(/typescript\s+typescript-semconv\s+\d+\s+(\d+)\/\1\s+passed/);
  });

  it('reports a missing toolchain as "not validated", never as a pass', async () => {
    // PATH without go: the toolchain is missing exactly as on a machine that never installed it
    const r = await cli(['generate', EXAMPLE, '--lang', 'go,ts', '--json'], { PATH: '/nonexistent' });
    const json = JSON.parse(r.stdout);
    const go = json.languages.find((l: { language: string }) => l.language === 'go');
    expect(go.validation).toMatchObject({
      status: 'not_validated',
      summary: 'not validated: go not found (Debian package: golang-go)',
    });
    expect(r.code).toBe(1);
    expect(go.quality.components.compiled).toBeNull();
    expect(go.quality.q).toBeLessThanOrEqual(0.3);
    expect(
      json.languages.find((l: { language: string }) => l.language === 'typescript').validation.status,
    ).toBe('passed');
  });

  it('rejects a bad param with the allowed values, and an unknown language', async () => {
    const bad = await cli(['generate', EXAMPLE, '--lang', 'ts', '--param', 'doc_style=loud']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/doc_style=loud is not allowed .*full, brief, none/);
    const unknown = await cli(['generate', EXAMPLE, '--lang', 'cobol']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown language "cobol"/);
  });
});
