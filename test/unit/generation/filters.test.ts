import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import {
  camelCase,
  goName,
  pascalCase,
  screamingSnakeCase,
  snakeCase,
} from '../../../node/generation/case.js';
import { registerFilters } from '../../../node/generation/filters.js';
import { docComment, escapeReserved, stringLiteral } from '../../../node/generation/languages.js';

const engine = new Liquid({ ownPropertyOnly: true, strictFilters: true });
registerFilters(engine);
const render = (tpl: string, scope: object = {}) => engine.parseAndRender(tpl, scope);

describe('filters', () => {
  it('converts case the way the official packages name things', () => {
    expect(screamingSnakeCase('http.request.method')).toBe('HTTP_REQUEST_METHOD');
    expect(screamingSnakeCase('batchWriteItem')).toBe('BATCH_WRITE_ITEM');
    expect(snakeCase('user_agent.original')).toBe('user_agent_original');
    expect(pascalCase('http.request.method')).toBe('HttpRequestMethod');
    expect(camelCase('http.request.method')).toBe('httpRequestMethod');
    expect(goName('http.request.id')).toBe('HTTPRequestID');
    expect(goName('k8s.pod.uid')).toBe('K8SPodUID');
  });

  it('escapes strings and doc comments per language', () => {
    expect(stringLiteral("it's\n", 'typescript')).toBe("'it\\'s\\n'");
    expect(stringLiteral('a"b', 'java')).toBe('"a\\"b"');
    expect(stringLiteral('\u0001', 'rust')).toBe('"\\u{0001}"');
    expect(docComment('ends */ here', 'java')).toContain('*&#47;');
    expect(docComment('path C:\\users', 'java')).not.toContain('\\u');
    expect(docComment('two\nlines', 'rust')).toBe('/// two\n/// lines');
    expect(docComment('say """hi"""', 'python')).not.toMatch(/[^\\]"""hi/);
    expect(escapeReserved('type', 'rust')).toBe('r#type');
    expect(escapeReserved('class', 'java')).toBe('class_');
    expect(escapeReserved('9lives', 'go')).toBe('_9lives');
  });

  it('filters by stability and deprecation and groups by root namespace', async () => {
    const items = [
      { key: 'http.a', is_stable: true, is_deprecated: false },
      { key: 'http.b', is_stable: false, is_deprecated: true },
      { key: 'db.c', is_stable: false, is_deprecated: false },
    ];
    expect(await render('{{ items | stable | map: "key" | join: "," }}', { items })).toBe('http.a');
    expect(
      await render('{{ items | experimental | not_deprecated | map: "key" | join: "," }}', { items }),
    ).toBe('db.c');
    expect(
      await render(
        '{% assign g = items | group_by_root_namespace %}{% for x in g %}{{ x.name }}={{ x.items.size }};{% endfor %}',
        { items },
      ),
    ).toBe('db=1;http=2;');
  });

  it('keeps one item per generated name, preferring the non-deprecated one', async () => {
    const items = [
      { id: 'azure_vm', is_deprecated: true },
      { id: 'azure.vm', is_deprecated: false },
      { id: 'gcp', is_deprecated: false },
    ];
    expect(await render('{{ items | unique_names | map: "id" | join: "," }}', { items })).toBe(
      'azure.vm,gcp',
    );
  });
});
