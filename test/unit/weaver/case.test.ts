import { describe, expect, it } from 'vitest';
import { acronymFilter, convertCase } from '../../../node/weaver/case.js';

describe("Weaver's case filters", () => {
  it('split on dots, underscores, hyphens, spaces, lower-to-upper and acronym ends; never on digits', () => {
    expect(convertCase('http.request.method', 'pascal_case')).toBe('HttpRequestMethod');
    expect(convertCase('http.request.method', 'camel_case')).toBe('httpRequestMethod');
    expect(convertCase('http.request.method', 'screaming_snake_case')).toBe('HTTP_REQUEST_METHOD');
    expect(convertCase('http.request.method', 'kebab_case')).toBe('http-request-method');
    expect(convertCase('http.request.method', 'screaming_kebab_case')).toBe('HTTP-REQUEST-METHOD');
    expect(convertCase('HTTPServer', 'snake_case')).toBe('http_server');
    expect(convertCase('k8s.pod.uid', 'pascal_case')).toBe('K8sPodUid');
    expect(convertCase('v8js.heap.space.name', 'upper_case')).toBe('V8JS HEAP SPACE NAME');
    expect(convertCase('Hello World', 'kebab_case')).toBe('hello-world');
    expect(convertCase('user_agent.original', 'title_case')).toBe('User Agent Original');
    expect(convertCase('messaging.rabbitmq.routing_key', 'lower_case')).toBe(
      'messaging rabbitmq routing key',
    );
  });

  it('acronym replaces whole words case-insensitively with the configured spelling', () => {
    const f = acronymFilter(['HTTP', 'URL', 'DynamoDB']);
    expect(f('Http request url')).toBe('HTTP request URL');
    expect(f('aws.dynamodb.table')).toBe('aws.DynamoDB.table');
    // a word that only contains an acronym is left alone
    expect(f('HttpRequest')).toBe('HttpRequest');
  });
});
