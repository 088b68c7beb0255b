import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../../node/semconv/diagnostics.js';
import {
  loadRegistry,
  REGISTRY_LIMITS,
  registryContentHash,
  SemconvError,
  SemconvErrorCode,
  YAML_LIMITS,
} from '../../../node/semconv/index.js';
import { readYaml } from '../../../node/semconv/yaml-reader.js';
import { writeRegistry, yaml } from '../../helpers/registry.js';

const VALID = (ns: string) =>
  yaml(
    'groups:',
    `  - id: registry.${ns}`,
    '    type: attribute_group',
    `    brief: ${ns} attributes.`,
    '    attributes:',
    `      - {id: ${ns}.name, type: string, stability: development, brief: The name., examples: [a]}`,
  );

/** What `f` throws (it must throw a SemconvError). */
async function thrown(f: () => unknown): Promise<SemconvError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(SemconvError);
    return e as SemconvError;
  }
  throw new Error('expected a SemconvError');
}

describe('readYaml: aliases', () => {
  const read = (text: string) => {
    const sink = new DiagnosticSink();
    return { value: readYaml(text, 'f.yaml', sink), sink };
  };

  it('expands the aliases registries use (a brief or a note repeated), many times over', () => {
    const uses = Array.from({ length: 2000 }, (_, i) => `  - {id: a${i}, brief: *brief}`).join('\n');
    const { value, sink } = read(`defs:\n  brief: &brief The same brief.\nitems:\n${uses}\n`);
    expect(sink.items).toEqual([]);
    const items = (value as { items: { brief: string }[] }).items;
    expect(items).toHaveLength(2000);
    expect(items.every((i) => i.brief === 'The same brief.')).toBe(true);
  });

  it('refuses a billion laughs with a located LIMIT_EXCEEDED, quickly', async () => {
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= 9; i++)
      bomb += `l${i}: &l${i} [${Array(10)
        .fill(i === 1 ? '*a' : `*l${i - 1}`)
        .join(', ')}]\n`;
    const started = performance.now();
    const e = await thrown(() => read(bomb));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(e.type).toMatchObject({
      code: SemconvErrorCode.LIMIT_EXCEEDED,
      limit: 'aliasNodes',
      max: YAML_LIMITS.maxAliasNodes,
      file: 'f.yaml',
      line: 5,
    });
    expect(e.message).toMatch(/^f\.yaml:5:\d+: YAML aliases expand to more than 100000 nodes/);
  });

  it('refuses a wide expansion under the yaml library alias count, and a recursive alias', async () => {
    // one anchor of 1000 items used 999 times: the library's own count (999) would let it pass
    const wide = `a: &a [${Array(1000).fill('x').join(',')}]\nl: [${Array(999).fill('*a').join(',')}]\n`;
    expect((await thrown(() => read(wide))).code).toBe(SemconvErrorCode.LIMIT_EXCEEDED);
    const recursive = 'a: &a [*a, *a]\nb: *a\n';
    expect((await thrown(() => read(recursive))).code).toBe(SemconvErrorCode.LIMIT_EXCEEDED);
  });

  it('resolves many aliases in linear time (the yaml library takes seconds on this)', () => {
    let text = '';
    for (let i = 0; i < 1000; i++) text += `k${i}: &a${i} v${i}\n`;
    text += `l: [${Array.from({ length: 40_000 }, (_, i) => `*a${i % 1000}`).join(',')}]\n`;
    const started = performance.now();
    const { value, sink } = read(text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(sink.items).toEqual([]);
    expect((value as { l: string[] }).l[1999]).toBe('v999');
  });

  it('an alias without its anchor is a located syntax error; merge keys stay plain keys', () => {
    const { sink } = read('a: 1\nb: *nope\n');
    expect(sink.items).toMatchObject([
      {
        code: 'yaml-syntax',
        location: { file: 'f.yaml', line: 2, column: 4 },
        message: /\*nope has no anchor/,
      },
    ]);
    const merged = read('a: &a {x: 1}\nb: {<<: *a, y: 2}\n');
    expect(merged.sink.items).toEqual([]);
    expect(Object.keys((merged.value as { b: object }).b)).toEqual(['<<', 'y']);
  });
});

describe('registry limits', () => {
  const saved = { ...REGISTRY_LIMITS };
  const made: string[] = [];
  afterEach(async () => {
    Object.assign(REGISTRY_LIMITS, saved);
    for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('counts a registry with its dependencies against the byte limit, before reading them', async () => {
    const dep = await writeRegistry({ 'base.yaml': VALID('base') });
    const main = await writeRegistry({
      'shop.yaml': VALID('shop'),
      'registry_manifest.yaml': yaml(
        'name: shop',
        'dependencies:',
        `  - {name: base, registry_path: ${dep}}`,
      ),
    });
    made.push(dep, main);
    const whole = await loadRegistry(main);
    expect(whole.errors).toBe(0);
    // room for the registry's own files, not for its dependency's
    const max = whole.bytes + 10;
    REGISTRY_LIMITS.registryBytes = max;
    for (const f of [() => loadRegistry(main), () => registryContentHash(main)]) {
      const e = await thrown(f);
      expect(e.type).toMatchObject({
        code: SemconvErrorCode.LIMIT_EXCEEDED,
        path: dep,
        limit: 'registryBytes',
        max,
      });
      expect(e.message).toMatch(
        new RegExp(`too large together \\(the limit for a registry with its dependencies is ${max} bytes\\)`),
      );
    }
  });

  it('stops walking past the entries limit', async () => {
    const dir = await writeRegistry({ 'a.yaml': VALID('a') });
    made.push(dir);
    for (let i = 0; i < 20; i++) await mkdir(join(dir, `d${i}`));
    REGISTRY_LIMITS.entries = 10;
    expect((await thrown(() => loadRegistry(dir))).type).toMatchObject({ limit: 'entries', max: 10 });
  });

  it('refuses registries on kernel file systems', async () => {
    for (const p of ['/proc/self', '/dev']) {
      const e = await thrown(() => loadRegistry(p));
      expect(e.code).toBe(SemconvErrorCode.FILES_REFUSED);
      expect(e.message).toMatch(/kernel file system/);
    }
  });

  it('the content hash is loadRegistry’s, for the example registry with its dependency', async () => {
    const shop = join(process.cwd(), 'examples', 'shop');
    expect(await registryContentHash(shop)).toBe((await loadRegistry(shop)).contentHash);
  });

  it('a file over the size limit is named with its size', async () => {
    const dir = await writeRegistry({ 'a.yaml': VALID('a') });
    made.push(dir);
    REGISTRY_LIMITS.fileBytes = 100;
    await writeFile(join(dir, 'b.yaml'), VALID('b'));
    const e = await thrown(() => loadRegistry(dir));
    expect(e.type).toMatchObject({ code: SemconvErrorCode.FILES_REFUSED, path: dir });
    if (e.type.code === SemconvErrorCode.FILES_REFUSED)
      expect(e.type.files.map((f) => f.file)).toEqual(['a.yaml', 'b.yaml']);
    expect(e.message).toMatch(/a\.yaml is \d+ bytes, larger than 100 bytes, the limit for one file/);
  });
});
