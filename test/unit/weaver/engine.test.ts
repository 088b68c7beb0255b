import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../../node/semconv/index.js';
import { renderTarget } from '../../../node/weaver/engine.js';
import {
  createWeaverForge,
  DEFAULT_TARGET_LIMITS,
  WeaverForgeErrorCode,
} from '../../../node/weaver/index.js';
import { toWeaverRegistry } from '../../../node/weaver/resolved.js';
import { testRegistry, writeTemplates } from './helpers.js';

const LIMITS = { ...DEFAULT_TARGET_LIMITS, fuel: 5_000_000 };

async function render(files: Record<string, string>, params: Record<string, unknown> = {}, limits = LIMITS) {
  const registry = toWeaverRegistry((await loadRegistry(await testRegistry(), { check: false })).registry);
  const templatesRoot = await writeTemplates('t', files);
  const r = await renderTarget({ registry, templatesRoot, target: 't', params, limits });
  return Object.fromEntries(r.files.map((f) => [f.path, f.content]));
}

const WS = 'whitespace_control:\n  trim_blocks: true\n  lstrip_blocks: true\n';

describe('weaver.yaml', () => {
  it('application_mode each with a file_name per element; single over the whole filter output', async () => {
    const out = await render({
      'weaver.yaml': `${WS}templates:
  - template: ns.j2
    filter: semconv_grouped_attributes
    application_mode: each
    file_name: "{{ ctx.root_namespace | pascal_case }}.txt"
  - template: all.txt.j2
    filter: semconv_metrics | map(.metric_name)
    application_mode: single
`,
      'ns.j2': '{% for a in ctx.attributes %}{{ a.name }}\n{% endfor %}',
      'all.txt.j2': '{{ ctx | join(",") }}',
    });
    expect(out).toEqual({
      'Db.txt': 'db.rows\n',
      'Http.txt': 'http.method\nhttp.request.header\nhttp.request.method\nhttp.route\n',
      'all.txt': 'db.rows.read,http.server.duration',
    });
  });

  it('single mode skips an empty result; `when` gates a template and must be a boolean', async () => {
    const base = `templates:
  - template: a.j2
    filter: semconv_attributes | map(select(.name == "nothing"))
    application_mode: single
  - template: b.j2
    filter: .
    when: $params.emit_b == true
    application_mode: single
`;
    const files = { 'weaver.yaml': base, 'a.j2': 'A', 'b.j2': 'B' };
    expect(await render(files)).toEqual({});
    expect(await render(files, { emit_b: true })).toEqual({ b: 'B' });
    await expect(
      render({ ...files, 'weaver.yaml': base.replace('$params.emit_b == true', '.groups') }),
    ).rejects.toMatchObject({ code: WeaverForgeErrorCode.FILTER_FAILED });
  });

  it('params: the command line over the template entry over the top level; params.params holds them all', async () => {
    const out = await render(
      {
        'weaver.yaml': `params:
  a: top
  b: top
  c: top
templates:
  - template: p.j2
    filter: .
    application_mode: single
    params:
      b: entry
      c: entry
`,
        'p.j2': '{{ params.a }} {{ params.b }} {{ params.c }} {{ params.params.c }}',
      },
      { c: 'cli' },
    );
    expect(out).toEqual({ p: 'top entry cli cli' });
  });

  it('weaver.yaml files above the target are read first, the target one overrides them', async () => {
    const registry = toWeaverRegistry((await loadRegistry(await testRegistry(), { check: false })).registry);
    const root = await writeTemplates('t', {
      'weaver.yaml':
        'params:\n  who: target\ntemplates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n',
      'x.j2': '{{ params.who }} {{ params.shared }} {{ "y" | map_text("m") }}',
    });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      `${root}/weaver.yaml`,
      'params:\n  who: root\n  shared: from-root\ntext_maps:\n  m:\n    y: mapped\n',
    );
    const r = await renderTarget({ registry, templatesRoot: root, target: 't', params: {}, limits: LIMITS });
    expect(r.files[0].content).toBe('target from-root mapped');
    expect(r.configFiles).toHaveLength(2);
  });

  it('the target ./ is the registry folder itself (as the Python set keeps it); ../ is refused', async () => {
    const registry = toWeaverRegistry((await loadRegistry(await testRegistry(), { check: false })).registry);
    const root = await writeTemplates('.', {
      'weaver.yaml': 'templates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n',
      'x.j2': 'here',
    });
    const r = await renderTarget({ registry, templatesRoot: root, target: './', params: {}, limits: LIMITS });
    expect(r.files.map((f) => [f.path, f.content])).toEqual([['x', 'here']]);
    await expect(
      renderTarget({ registry, templatesRoot: root, target: '../registry', params: {}, limits: LIMITS }),
    ).resolves.toBeDefined();
    await expect(
      renderTarget({ registry, templatesRoot: root, target: '..', params: {}, limits: LIMITS }),
    ).rejects.toMatchObject({
      code: WeaverForgeErrorCode.TARGET_NOT_FOUND,
    });
  });

  it('refuses unknown keys with the file and the key', async () => {
    await expect(render({ 'weaver.yaml': 'templatez: []\n', 'x.j2': '' })).rejects.toMatchObject({
      code: WeaverForgeErrorCode.INVALID_CONFIG,
      message: expect.stringMatching(/templatez/),
    });
  });
});

describe('templates', () => {
  const single = (template: string, extra = '') => ({
    'weaver.yaml': `${WS}${extra}templates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n`,
    'x.j2': template,
  });
  const one = async (template: string, extra = '', params: Record<string, unknown> = {}) =>
    Object.values(await render(single(template, extra), params))[0];

  it('template.set_file_name and imported macros', async () => {
    const out = await render({
      ...single('{% import "m.j2" as m %}{{ template.set_file_name("dir/named.txt") }}{{ m.hi("x") }}'),
      'm.j2': '{% macro hi(n) %}hi {{ n }}{% endmacro %}',
    });
    expect(out).toEqual({ 'dir/named.txt': 'hi x' });
  });

  it("Weaver's tests: stable, experimental, deprecated, enum, simple_type, template_type, enum_type, array", async () => {
    const t = `{% for a in (ctx.groups | selectattr("id", "equalto", "registry.http") | first).attributes | sort(attribute="name") %}{{ a.name }}:{% if a is stable %}S{% endif %}{% if a is experimental %}E{% endif %}{% if a is deprecated %}D{% endif %}{% if a is enum %}N{% endif %}{% if a.type is simple_type %}P{% endif %}{% if a.type is template_type %}T{% endif %}{% if a.type is enum_type %}M{% endif %}{% if a.type is array %}A{% endif %} {% endfor %}`;
    expect(await one(t)).toBe(
      'http.method:EDP http.request.header:ST http.request.method:SNM http.route:EP ',
    );
  });

  it("Weaver's filters on attributes: attribute_sort, required, not_required, instantiated_type, enum_type, print_member_value", async () => {
    const t = `{% set m = ctx.groups | selectattr("id", "equalto", "metric.http.server.duration") | first %}{% for a in m.attributes | attribute_sort %}{{ a.name }} {% endfor %}|{{ m.attributes | required | map(attribute="name") | join(",") }}|{{ m.attributes | not_required | map(attribute="name") | join(",") }}|{% set http = ctx.groups | selectattr("id", "equalto", "registry.http") | first %}{% for a in http.attributes | sort(attribute="name") %}{{ a.type | instantiated_type }} {% endfor %}|{{ http.attributes | selectattr("name", "equalto", "http.request.method") | map(attribute="type") | map("enum_type") | join }}|{{ "a\\"b" | print_member_value }} {{ 3 | print_member_value }} {{ true | print_member_value }}`;
    expect(await one(t)).toBe(
      'http.request.method http.route |http.request.method|http.route|string string[] string string |string|"a\\"b" 3 true',
    );
  });

  it('string filters: case, _const, acronym, split_id, flatten, regex_replace, namespaces, map_text, capitalize_first, toyaml', async () => {
    const t = `{{ "http.request.method" | pascal_case }}/{{ "http request url" | acronym }} {{ "messaging.routing_key" | pascal_case_const }} {{ "a.b.c" | split_id | join("/") }} {{ [[1, 2], [3]] | flatten | join }} {{ "MUST do" | regex_replace("\\\\b(MUST)\\\\b", "**$1**") }} {{ "http.route" | attribute_namespace }}/{{ "http.route" | attribute_id }}/{{ "route" | attribute_namespace }} {{ "metric.http.x" | metric_namespace }} {{ "registry.user_agent" | attribute_registry_namespace }}|{{ "registry.user_agent" | attribute_registry_title }}|{{ "registry.user_agent" | attribute_registry_file }} {{ "int" | map_text("types") }} {{ "x" | map_text("types", "dflt") }} {{ "abc" | capitalize_first }} {{ {"k": [1]} | toyaml | trim }}`;
    expect(await one(t, 'acronyms: [HTTP, URL]\ntext_maps:\n  types:\n    int: i64\n')).toBe(
      'HttpRequestMethod/HTTP request URL MessagingRoutingkey a/b/c 123 **MUST** do http/route/other http user_agent|User Agent|attributes-registry/user-agent.md i64 dflt Abc k:\n  - 1',
    );
  });

  it('the comment filter: markdown with prefix, header, footer and indent; html for javadoc; trailing dots', async () => {
    const formats = `comment_formats:
  go:
    format: markdown
    prefix: "// "
    remove_trailing_dots: true
    indent_first_level_list_items: true
  jsdoc:
    format: markdown
    header: "/**"
    prefix: " * "
    footer: " */"
    shortcut_reference_links: true
  javadoc:
    format: html
    header: "/**"
    prefix: " * "
    footer: " */"
    old_style_paragraph: true
    inline_code_snippet: "{@code {{code}}}"
    enforce_trailing_dots: true
default_comment_format: go
`;
    const note = 'First line.\n\n\n* one\n* two `x`\n\nSee [docs](https://x.io).';
    expect(await one('{{ note | comment }}', formats, {})).toBe('');
    const t = `{{ p.note | comment }}\n{{ p.note | comment(format="jsdoc", indent=2) }}\n{{ p.note | comment(format="javadoc") }}\n{{ [p.brief, concat_if("Note: ", p.missing)] | comment(format="javadoc") }}`;
    const out = await render({
      'weaver.yaml': `${WS}${formats}params:\n  p:\n    note: ${JSON.stringify(note)}\n    brief: Brief\ntemplates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n`,
      'x.j2': t.replaceAll('p.', 'params.p.'),
    });
    expect(out.x).toBe(
      [
        '// First line.',
        '//',
        '//   - one',
        '//   - two `x`',
        '//',
        '// See [docs](https://x.io)',
        '/**',
        '   * First line.',
        '   *',
        '   * - one',
        '   * - two `x`',
        '   *',
        '   * See [docs].',
        '   *',
        '   * [docs]: https://x.io',
        '   */',
        '/**',
        ' * First line.',
        ' * <ul>',
        ' *   <li>one</li>',
        ' *   <li>two {@code x}</li>',
        ' * </ul>',
        ' * <p>',
        ' * See <a href="https://x.io">docs</a>.',
        ' */',
        '/**',
        ' * Brief.',
        ' */',
      ].join('\n'),
    );
  });
});

describe('the rest of weaver.yaml and the less common filters', () => {
  it('`pattern` is the older name of `template`; keep_trailing_newline keeps the last newline', async () => {
    const out = await render({
      'weaver.yaml':
        'whitespace_control:\n  keep_trailing_newline: true\ntemplates:\n  - pattern: "*.txt.j2"\n    filter: .\n    application_mode: single\n',
      'a.txt.j2': 'a\n',
      'b.txt.j2': 'b\n',
      'macro.j2': 'not matched, not rendered',
    });
    expect(out).toEqual({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
  });

  it('custom delimiters and auto_escape are refused with the reason, not rendered wrongly', async () => {
    await expect(
      render({ 'weaver.yaml': 'template_syntax:\n  block_start: "<%"\n', 'x.j2': '' }),
    ).rejects.toMatchObject({
      code: WeaverForgeErrorCode.INVALID_CONFIG,
      message: expect.stringMatching(/template_syntax/),
    });
    await expect(
      render({
        'weaver.yaml':
          'templates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n    auto_escape: html\n',
        'x.j2': '',
      }),
    ).rejects.toMatchObject({
      code: WeaverForgeErrorCode.INVALID_CONFIG,
      message: expect.stringMatching(/auto_escape/),
    });
  });

  it('body_fields walks a body depth first; markdown_to_html, type_mapping and the ansi filters', async () => {
    const out = await render({
      'weaver.yaml': `type_mapping:\n  int: i64\nparams:\n  body:\n    id: root\n    fields:\n      - id: b\n      - id: a\n        fields:\n          - id: x\ntemplates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n`,
      'x.j2':
        '{% for path, field, depth in params.body | body_fields %}{{ path }}@{{ depth }} {% endfor %}|{{ "Use `x` **now**." | markdown_to_html }}|{{ "int" | type_mapping }}|{{ "r" | ansi_red }}',
    });
    expect(out.x).toBe(
      'root@0 root.a@1 root.a.x@2 root.b@1 |<p>Use <code>x</code> <strong>now</strong>.</p>|i64|\x1b[31mr\x1b[0m',
    );
  });
});

describe('limits: a template set is untrusted', () => {
  it('an endless template runs out of fuel', async () => {
    await expect(
      render(
        {
          'weaver.yaml': 'templates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n',
          'x.j2': '{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}',
        },
        {},
        { ...LIMITS, fuel: 100_000 },
      ),
    ).rejects.toMatchObject({
      code: WeaverForgeErrorCode.TEMPLATE_FAILED,
      message: expect.stringMatching(/fuel/),
    });
  });

  it('a template that does not parse fails with its own syntax error when it is rendered', async () => {
    await expect(
      render({
        'weaver.yaml': 'templates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n',
        'x.j2': '{% for a in %}',
      }),
    ).rejects.toMatchObject({
      code: WeaverForgeErrorCode.TEMPLATE_FAILED,
      message: expect.stringMatching(/^x\.j2: does not parse: .*syntax error/),
    });
  });

  it('a file name leaving the output folder is refused', async () => {
    await expect(
      render({
        'weaver.yaml': 'templates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n',
        'x.j2': '{{ template.set_file_name("../../etc/passwd") }}x',
      }),
    ).rejects.toMatchObject({ code: WeaverForgeErrorCode.OUTPUT_ESCAPES });
  });

  it('an endless jq filter is stopped at the time limit, in its worker, and the caller keeps running', async () => {
    const registry = (await loadRegistry(await testRegistry(), { check: false })).registry;
    const templatesRoot = await writeTemplates('t', {
      'weaver.yaml':
        'templates:\n  - template: x.j2\n    filter: reduce range(1e15) as $i (0; . + 1)\n    application_mode: single\n',
      'x.j2': '{{ ctx }}',
    });
    const started = Date.now();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 50);
    await expect(
      createWeaverForge({ timeMs: 1500 }).generate({ registry, templatesRoot, target: 't' }),
    ).rejects.toMatchObject({ code: WeaverForgeErrorCode.LIMIT_EXCEEDED });
    clearInterval(timer);
    expect(Date.now() - started).toBeLessThan(10_000);
    // the event loop kept turning while the filter ran
    expect(ticks).toBeGreaterThan(10);
  });

  it('too many files or bytes stop the render', async () => {
    await expect(
      render(
        {
          'weaver.yaml': `templates:\n  - template: x.j2\n    filter: "[range(50)]"\n    application_mode: each\n    file_name: "f{{ ctx }}"\n`,
          'x.j2': 'x',
        },
        {},
        { ...LIMITS, files: 10 },
      ),
    ).rejects.toMatchObject({ code: WeaverForgeErrorCode.LIMIT_EXCEEDED });
  });
});
