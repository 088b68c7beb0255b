import { describe, expect, it } from 'vitest';
import { promName, promNames, unitSuffix } from '../../../node/weaver/prometheus.js';
import { render } from './render.js';

describe('the prometheus_* filters and numsort', () => {
  it('units as the Prometheus exporter specification writes them', () => {
    expect(unitSuffix('s')).toBe('seconds');
    expect(unitSuffix('By')).toBe('bytes');
    expect(unitSuffix('1')).toBe('ratio');
    expect(unitSuffix('By/s')).toBe('bytes_per_second');
    expect(unitSuffix('1/s')).toBe('per_second');
    expect(unitSuffix('{packet}/s')).toBe('per_second');
    expect(unitSuffix('{request}')).toBeUndefined();
  });

  it('names per translation strategy, _total for counters, histograms expanded when asked', () => {
    expect(promName('http.server.request.duration', 's', 'histogram', 'UnderscoreEscapingWithSuffixes')).toBe(
      'http_server_request_duration_seconds',
    );
    expect(promName('http.server.request.duration', 's', 'histogram', 'NoUTF8EscapingWithSuffixes')).toBe(
      'http.server.request.duration_seconds',
    );
    expect(promName('db.client.requests', '{request}', 'counter', 'UnderscoreEscapingWithSuffixes')).toBe(
      'db_client_requests_total',
    );
    expect(promName('2xx.count', '1', 'gauge', 'UnderscoreEscapingWithoutSuffixes')).toBe('_2xx_count');
    expect(promNames('a.b', 's', 'histogram', 'UnderscoreEscapingWithSuffixes', true)).toEqual([
      'a_b_seconds',
      'a_b_seconds_bucket',
      'a_b_seconds_count',
      'a_b_seconds_sum',
    ]);
    expect(promNames('a.b', '', 'gauge', undefined, false)).toEqual(['a.b', 'a_b']);
  });

  it('from a template, with keyword arguments', async () => {
    const out = await render(
      '{% for m in ctx.groups | selectattr("type", "equalto", "metric") | sort(attribute="metric_name") %}{{ m | prometheus_metric_name(translation_strategy="UnderscoreEscapingWithSuffixes") }} {{ m | prometheus_unit_name }} {% endfor %}',
    );
    expect(out).toBe('db_rows_read_total {row} http_server_duration_seconds seconds ');
  });

  it('numsort orders a map by numeric keys first', async () => {
    expect(
      await render(
        '{% for k, v in {"10": "a", "9": "b", "x": "c", "-1": "d"} | numsort %}{{ k }}={{ v }} {% endfor %}',
      ),
    ).toBe('-1=d 9=b 10=a x=c ');
  });
});
