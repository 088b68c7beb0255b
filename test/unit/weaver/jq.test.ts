import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../../node/semconv/index.js';
import { jaqToJq, runJq } from '../../../node/weaver/jq.js';
import { toWeaverRegistry } from '../../../node/weaver/resolved.js';
import { testRegistry } from './helpers.js';

const registry = async () =>
  toWeaverRegistry((await loadRegistry(await testRegistry(), { check: false })).registry);
const names = (xs: unknown) => (xs as { name: string }[]).map((a) => a.name);

describe('the semconv jq helpers', () => {
  it('semconv_attributes: registry attributes with root_namespace, sorted, code_generation exclusions left out', async () => {
    const r = await registry();
    const all = await runJq(r, 'semconv_attributes', {});
    expect(names(all)).toEqual([
      'db.rows',
      'http.method',
      'http.request.header',
      'http.request.method',
      'http.route',
    ]);
    expect((all as { root_namespace: string }[])[0].root_namespace).toBe('db');
    expect(
      names(await runJq(r, 'semconv_attributes({"ignore_code_generation_annotations": true})', {})),
    ).toContain('db.hidden');
  });

  it('options: stable_only (enum members too), exclude_deprecated, exclude_root_namespace, exclude_stability', async () => {
    const r = await registry();
    const stable = (await runJq(r, 'semconv_attributes({"stable_only": true})', {})) as {
      name: string;
      type: { members?: { id: string }[] };
    }[];
    expect(names(stable)).toEqual(['db.rows', 'http.request.header', 'http.request.method']);
    expect(stable.find((a) => a.name === 'http.request.method')?.type.members?.map((m) => m.id)).toEqual([
      'get',
    ]);
    expect(names(await runJq(r, 'semconv_attributes({"exclude_deprecated": true})', {}))).not.toContain(
      'http.method',
    );
    expect(names(await runJq(r, 'semconv_attributes({"exclude_root_namespace": ["http"]})', {}))).toEqual([
      'db.rows',
    ]);
    // "experimental" stands for every level below stable
    expect(names(await runJq(r, 'semconv_attributes({"exclude_stability": ["experimental"]})', {}))).toEqual([
      'db.rows',
      'http.request.header',
      'http.request.method',
    ]);
  });

  it('grouped helpers group by root namespace; signals by the second part of their id', async () => {
    const r = await registry();
    const grouped = (await runJq(r, 'semconv_grouped_attributes', {})) as { root_namespace: string }[];
    expect(grouped.map((g) => g.root_namespace)).toEqual(['db', 'http']);
    const metrics = (await runJq(r, 'semconv_grouped_metrics', {})) as {
      root_namespace: string;
      metrics: { metric_name: string }[];
    }[];
    expect(metrics.map((g) => [g.root_namespace, g.metrics.map((m) => m.metric_name)])).toEqual([
      ['db', ['db.rows.read']],
      ['http', ['http.server.duration']],
    ]);
    expect(await runJq(r, 'semconv_metrics({"stable_only": true}) | map(.metric_name)', {})).toEqual([
      'http.server.duration',
    ]);
    expect(await runJq(r, 'semconv_signal("span"; {}) | map(.id)', {})).toEqual(['span.http.server']);
    expect(await runJq(r, 'semconv_grouped_events | map(.events[].name)', {})).toEqual(['http.done']);
  });

  it('binds params as $params and $name; several outputs come back as a list, none as null', async () => {
    expect(await runJq({}, '[$params.a, $a, $b]', { a: 1, b: 'x' })).toEqual([1, 1, 'x']);
    expect(await runJq({ xs: [1, 2] }, '.xs[]', {})).toEqual([1, 2]);
    expect(await runJq({}, 'empty', {})).toBeNull();
    await expect(runJq({}, 'bad [', {})).rejects.toThrow(/syntax error/);
  });

  it("accepts jaq's dialect as Weaver's filters use it: any expression as an object value, trailing commas", async () => {
    const filter = `{ out: $output + "attributes/", stab: if $filter == "any" then [] else ["experimental", "", null] end, s: "a, }", }`;
    expect(await runJq({}, filter, { output: './', filter: 'any' })).toEqual({
      out: './attributes/',
      stab: [],
      s: 'a, }',
    });
    expect(jaqToJq('[1, 2, ] | .[1:2]')).toBe('[1, 2] | .[1:2]');
    // strings and their interpolations stay as written
    expect(jaqToJq('{"k": "x: \\(.a, .b)"}')).toBe('{"k": ("x: \\(.a, .b)")}');
  });
});
