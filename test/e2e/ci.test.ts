import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { all, parseXml, type XmlElement } from '../unit/cli/xml.js';

const SHOP = resolve('examples/shop');
const tmp = () => mkdtempSync(join(tmpdir(), 'weavergen-ci-'));

/** testcase name -> its status, per suite */
const cases = (root: XmlElement) =>
  Object.fromEntries(
    all(root, 'testsuite').map((s) => [
      s.attrs.name,
      Object.fromEntries(
        all(s, 'testcase').map((c) => [
          c.attrs.name,
          c.children.find((x) => x.name !== 'system-out')?.name ?? 'passed',
        ]),
      ),
    ]),
  );

describe('weavergen ci', () => {
  it('on a registry with check errors: exit 1, a JUnit report naming each located error (file, line, fix)', async () => {
    const junit = join(tmp(), 'report.xml');
    // from the repository's root, as a CI job runs it: files are named from there
    const r = await cli(['ci', 'examples/broken', '--lang', 'ts,go', '--junit', junit]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/registry\.yaml:13:9: error \[invalid-type\] invalid attribute type "strng"/);
    expect(r.stdout).toMatch(/^ci failed: 7 of 13 checks failed, 6 skipped$/m);
    expect(r.stderr).toMatch(/registry check: the registry has 7 errors/);
    const root = parseXml(readFileSync(junit, 'utf8'));
    expect(root.attrs).toMatchObject({ tests: '13', failures: '7', errors: '0', skipped: '6' });
    const check = all(root, 'testsuite').find((s) => s.attrs.name === 'registry check')!;
    const invalidType = all(check, 'testcase').find((c) =>
      /registry\.yaml:13:9 \[invalid-type\]$/.test(c.attrs.name),
    )!;
    expect(invalidType.attrs.name).toBe('examples/broken/registry.yaml:13:9 [invalid-type]');
    expect(invalidType.attrs.file).toBe('examples/broken/registry.yaml');
    expect(invalidType.attrs.line).toBe('13');
    const failure = all(invalidType, 'failure')[0];
    expect(failure.attrs.type).toBe('invalid-type');
    expect(failure.attrs.message).toMatch(/^invalid attribute type "strng" \(fix: use one of string, int/);
    expect(failure.text).toMatch(/registry\.yaml:13:9: error \[invalid-type\] .*\n {2}fix: /);
    expect(all(check, 'failure').map((f) => f.attrs.type)).toContain('unresolved-ref');
    expect(cases(root).go).toEqual({ generation: 'skipped', validation: 'skipped', quality: 'skipped' });
  });

  it('on a good registry (TypeScript): exit 0, every check passing in the report and in --json', async () => {
    const dir = tmp();
    const junit = join(dir, 'reports', 'ci.xml');
    const r = await cli(['ci', '-r', SHOP, '--lang', 'typescript', '--junit', junit, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ passed: true, minQuality: 0.9, junit, counts: { tests: 4, failures: 0 } });
    expect(json.languages[0]).toMatchObject({ language: 'typescript', validation: { status: 'passed' } });
    const root = parseXml(readFileSync(junit, 'utf8'));
    expect(root.attrs).toMatchObject({ tests: '4', failures: '0', errors: '0', skipped: '0' });
    expect(cases(root)).toEqual({
      'registry check': { 'registry check': 'passed' },
      typescript: { generation: 'passed', validation: 'passed', quality: 'passed' },
    });
    const quality = all(root, 'testcase').find(
      (c) => c.attrs.classname === 'typescript' && c.attrs.name === 'quality',
    )!;
    expect(all(quality, 'system-out')[0].text).toMatch(/^quality 1\.000 >= 0\.90\nq 1: compiled/);
  });

  it('a result below --min-quality fails its quality case with the components (exit 1); --junit - writes the report to stdout', async () => {
    // no documentation in the output: the documentation component is 0, q = 1 - 0.15
    const r = await cli(['ci', SHOP, '--lang', 'ts', '--param', 'doc_style=none', '--junit', '-']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^typescript +quality +failed: quality 0\.850 < 0\.90 \(documentation 0\.000\)$/m,
    );
    expect(r.stderr).toMatch(/^weavergen: typescript: quality 0\.850 < 0\.90/m);
    const root = parseXml(r.stdout);
    expect(cases(root).typescript).toEqual({
      generation: 'passed',
      validation: 'passed',
      quality: 'failure',
    });
    const failure = all(root, 'failure')[0];
    expect(failure.attrs).toEqual({ message: 'quality 0.850 < 0.90 (documentation 0.000)', type: 'quality' });
    expect(failure.text).toMatch(/documentation 0\.000 x 0\.15/);
    // the same result passes a lower threshold
    const lower = await cli([
      'ci',
      SHOP,
      '--lang',
      'ts',
      '--param',
      'doc_style=none',
      '--min-quality',
      '0.8',
      '--junit',
      '-',
    ]);
    expect(lower.code, lower.stderr).toBe(0);
  });

  it('a language no toolchain could validate fails (exit 1), as generate does; the report goes to ./weavergen-junit.xml', async () => {
    const cwd = tmp();
    // no python3 on this PATH (node itself is started by its full path)
    const r = await cli(['ci', SHOP, '--lang', 'python', '--candidates', '1'], { PATH: tmp() }, cwd);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/weavergen: python: validation: not validated: python3 not found/);
    const root = parseXml(readFileSync(join(cwd, 'weavergen-junit.xml'), 'utf8'));
    expect(cases(root).python).toEqual({ generation: 'passed', validation: 'failure', quality: 'failure' });
    expect(all(root, 'failure')[0].attrs.message).toMatch(
      /^not validated: python3 not found \(Debian package: python3\)/,
    );
  });

  it('usage errors exit 2 and write no report: --min-quality outside [0, 1], an unknown language, no registry', async () => {
    const cwd = tmp();
    for (const [args, message] of [
      [
        ['ci', SHOP, '--min-quality', '1.01'],
        /--min-quality 1\.01 is not a quality: give a number from 0 to 1/,
      ],
      [['ci', SHOP, '--min-quality', '-0.5'], /--min-quality -0\.5 is not a quality/],
      [['ci', SHOP, '--lang', 'cobol'], /unknown language "cobol"/],
      [['ci'], /which registry\?/],
      [['ci', SHOP, '--json', '--junit', '-'], /both write to stdout/],
    ] as const) {
      const r = await cli([...args], {}, cwd);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(cwd, 'weavergen-junit.xml'))).toBe(false);
  });
});
