import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { MINI_REGISTRY as EXAMPLE, writeRegistry, yaml } from '../helpers/registry.js';
import { writeTemplates } from '../unit/weaver/helpers.js';

/** a registry with one check error (an invalid type on line 6) */
const invalidRegistry = () =>
  writeRegistry({
    'r.yaml': yaml(
      'groups:',
      '  - id: registry.x',
      '    type: attribute_group',
      '    brief: X.',
      '    attributes:',
      '      - {id: x.a, type: strng, stability: development, brief: A.}',
    ),
  });

/** Weaver's own commands, as a Weaver user types them: -r, -t, a target and an output folder. */
describe('weavergen registry generate', () => {
  const set = () =>
    writeTemplates('markdown', {
      'weaver.yaml': `whitespace_control:
  trim_blocks: true
  lstrip_blocks: true
params:
  title: Attributes
templates:
  - template: attributes.md.j2
    filter: semconv_grouped_attributes
    application_mode: each
    file_name: "attributes/{{ ctx.root_namespace | kebab_case }}.md"
`,
      'attributes.md.j2': `# {{ params.title }}: {{ ctx.root_namespace | title_case }}
{% for a in ctx.attributes %}
- \`{{ a.name }}\` ({{ a.type | instantiated_type if a.type is simple_type or a.type is enum_type else "other" }}){% if a is deprecated %} deprecated{% endif %}

{% endfor %}`,
    });

  it('renders the target into the output folder, params from the command line override weaver.yaml', async () => {
    const templates = await set();
    const out = join(await mkdtemp(join(tmpdir(), 'wg-gen-')), 'output');
    const r = await cli([
      'registry',
      'generate',
      '-r',
      EXAMPLE,
      '-t',
      templates,
      '--param',
      'title=Keys',
      'markdown',
      out,
    ]);
    expect(r.stderr).toMatch(/generated \d+ files? \(\d+ bytes\) for target markdown/);
    expect(r.code).toBe(0);
    const files = await readdir(join(out, 'attributes'));
    expect(files).toContain('shop.md');
    const shop = await readFile(join(out, 'attributes', 'shop.md'), 'utf8');
    expect(shop).toMatch(/^# Keys: Shop\n/);
    expect(shop).toContain('- `shop.order.status` (string)');
    expect(shop).toMatch(/- `shop\.order\.state` \(string\) deprecated/);
  });

  it('takes the registry from an archive with a sub-folder, as Weaver does', async () => {
    const templates = await set();
    const dir = await mkdtemp(join(tmpdir(), 'wg-arch-'));
    const { c } = await import('tar');
    await c({ gzip: true, file: join(dir, 'semconv.tar.gz'), cwd: join(EXAMPLE, '..') }, ['mini-registry']);
    const out = await mkdtemp(join(tmpdir(), 'wg-gen-'));
    const r = await cli([
      'registry',
      'generate',
      '-r',
      `${join(dir, 'semconv.tar.gz')}[mini-registry]`,
      '-t',
      templates,
      'markdown',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(await readFile(join(out, 'attributes', 'shop.md'), 'utf8')).toContain('`shop.order.status`');
  });

  it('--json says which templates applied and what each file came from', async () => {
    const templates = await set();
    const out = await mkdtemp(join(tmpdir(), 'wg-gen-'));
    const r = await cli(['registry', 'generate', '-r', EXAMPLE, '-t', templates, '--json', 'markdown', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.applied[0]).toMatchObject({ template: 'attributes.md.j2', mode: 'each' });
    expect(j.files.every((f: { template: string }) => f.template === 'attributes.md.j2')).toBe(true);
  });

  it('exit codes a script can trust: a missing registry or target is a usage error (2), a broken template set is 1', async () => {
    const templates = await set();
    const noReg = await cli(['registry', 'generate', '-t', templates, 'markdown']);
    expect(noReg.code).toBe(2);
    expect(noReg.stderr).toMatch(/give it with -r/);
    const noTarget = await cli(['registry', 'generate', '-r', EXAMPLE, '-t', templates, 'rust']);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/no target "rust".*targets there: markdown/);
    const broken = await writeTemplates('x', {
      'weaver.yaml':
        'templates:\n  - template: a.j2\n    filter: semconv_nonexistent\n    application_mode: single\n',
      'a.j2': 'a',
    });
    const bad = await cli([
      'registry',
      'generate',
      '-r',
      EXAMPLE,
      '-t',
      broken,
      'x',
      await mkdtemp(join(tmpdir(), 'o-')),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/a\.j2: jq filter failed: .*semconv_nonexistent/);
    const invalid = await invalidRegistry();
    const refused = await cli([
      'registry',
      'generate',
      '-r',
      invalid,
      '-t',
      templates,
      'markdown',
      await mkdtemp(join(tmpdir(), 'o-')),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/invalid-type[\s\S]*--allow-errors/);
  });
});

describe('weavergen registry resolve and check, Weaver style', () => {
  it("resolve prints Weaver's resolved shape (json and yaml): groups with full attributes", async () => {
    const r = await cli(['registry', 'resolve', '-r', EXAMPLE]);
    expect(r.code).toBe(0);
    const reg = JSON.parse(r.stdout) as {
      groups: { id: string; attributes?: { name: string; type: unknown; requirement_level: unknown }[] }[];
    };
    const span = reg.groups.find((g) => g.id === 'span.shop.checkout');
    expect(span?.attributes?.map((a) => a.name)).toEqual(['shop.order.id', 'shop.payment.method']);
    expect(span?.attributes?.[1].type).toMatchObject({ members: expect.any(Array) });
    const y = await cli(['registry', 'resolve', EXAMPLE, '--format', 'yaml']);
    expect(y.stdout).toMatch(/^groups:\n {2}- id: /m);
    expect(y.stdout).not.toMatch(/&a\d|\*a\d/);
  });

  it('check --diagnostic-format gh_workflow_command and json', async () => {
    const bad = await invalidRegistry();
    const gh = await cli(['registry', 'check', '-r', bad, '--diagnostic-format', 'gh_workflow_command']);
    expect(gh.code).toBe(1);
    expect(gh.stdout).toMatch(
      /^::error file=.*r\.yaml,line=6,col=\d+,title=invalid-type::invalid attribute type "strng" \(fix: /m,
    );
    const json = await cli(['registry', 'check', bad, '--diagnostic-format', 'json']);
    expect(JSON.parse(json.stdout)[0]).toMatchObject({
      code: 'invalid-type',
      severity: 'error',
      location: { line: 6 },
    });
  });
});
