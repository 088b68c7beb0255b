import { describe, expect, it } from 'vitest';
import { escapeAttr, escapeText, type JUnitSuite, junitXml, xmlSafe } from '../../../cli/render/junit.js';
import { toolchain } from '../../helpers/tools.js';
import { all, expatAttrs, expatParse, parseXml } from './xml.js';

// every kind of trouble a compiler message, a registry brief or a file name can bring
const HOSTILE = [
  '<script>alert("x")</script>',
  `a & b && c; &amp; &#38; &lt; "double" 'single'`,
  ']]> <![CDATA[ x ]]>',
  'line one\nline two\r\nline three\ttabbed',
  '\x00nul\x01soh\x08bs\x0bvt\x0cff\x1bescape\x1fus',
  '\x1b[31mred\x1b[0m and \x1b[1;32mbold green\x1b[m',
  'lone \uD800 high, lone \uDC00 low, reversed \uDC00\uD800',
  'non-characters \uFFFE \uFFFF',
  'kept: é ü 中文 😀 \u0085 \u007f \uE000 \uFFFD',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>&e;',
].join(' | ');

const EXPECTED = [
  '<script>alert("x")</script>',
  `a & b && c; &amp; &#38; &lt; "double" 'single'`,
  ']]> <![CDATA[ x ]]>',
  'line one\nline two\r\nline three\ttabbed',
  'nulsohbsvtffescapeus',
  'red and bold green',
  'lone  high, lone  low, reversed ',
  'non-characters  ',
  'kept: é ü 中文 😀 \u0085 \u007f \uE000 \uFFFD',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>&e;',
].join(' | ');

const suites = (s: string): JUnitSuite[] => [
  {
    name: `suite ${s}`,
    output: s,
    cases: [
      {
        name: s,
        classname: s,
        status: 'failed',
        message: s,
        type: s,
        detail: s,
        file: s,
        line: 3,
        output: s,
      },
      { name: 'errored', classname: 'c', status: 'error', message: s },
      { name: 'skipped', classname: 'c', status: 'skipped', message: s },
      { name: 'passed', classname: 'c', status: 'passed' },
    ],
  },
  { name: 'empty', cases: [] },
];

describe('JUnit XML writer', () => {
  it('removes colour sequences and every character XML 1.0 forbids, and keeps the rest', () => {
    expect(xmlSafe(HOSTILE)).toBe(EXPECTED);
    expect(xmlSafe('a\t\n\rb')).toBe('a\t\n\rb');
  });

  it('escapes & < > in text and & < > " \' and whitespace in attributes', () => {
    expect(escapeText(`<a href="x">&'</a>]]>\r`)).toBe(`&lt;a href="x"&gt;&amp;'&lt;/a&gt;]]&gt;&#13;`);
    expect(escapeAttr(`<"&'>\t\n\r`)).toBe('&lt;&quot;&amp;&apos;&gt;&#9;&#10;&#13;');
  });

  it('writes a well-formed report whose values read back exactly, hostile strings included', () => {
    const xml = junitXml('weavergen ci', suites(HOSTILE), 1234);
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    const [suite] = all(root, 'testsuite');
    expect(suite.attrs.name).toBe(`suite ${EXPECTED}`);
    const [tc] = all(root, 'testcase');
    // attribute values keep their newlines, tabs and carriage returns (written as references)
    expect(tc.attrs).toMatchObject({ name: EXPECTED, classname: EXPECTED, file: EXPECTED, line: '3' });
    const [failure] = all(root, 'failure');
    expect(failure.attrs).toEqual({ message: EXPECTED, type: EXPECTED });
    expect(failure.text).toBe(EXPECTED);
    expect(all(tc, 'system-out')[0].text).toBe(EXPECTED);
    expect(all(root, 'error')[0].attrs.message).toBe(EXPECTED);
    expect(all(root, 'skipped')[0].attrs.message).toBe(EXPECTED);
    // a DOCTYPE or an entity in a message stays text: the report declares nothing
    expect(xml).not.toMatch(/<!DOCTYPE|<!\[CDATA\[|&e;/);
  });

  it('counts tests, failures, errors and skipped per suite and in total', () => {
    const root = parseXml(junitXml('weavergen ci', suites('x'), 1500));
    expect(root.attrs).toEqual({
      name: 'weavergen ci',
      tests: '4',
      failures: '1',
      errors: '1',
      skipped: '1',
      time: '1.500',
    });
    const [first, empty] = all(root, 'testsuite');
    expect(first.attrs).toMatchObject({ tests: '4', failures: '1', errors: '1', skipped: '1' });
    expect(empty.attrs).toMatchObject({ name: 'empty', tests: '0', failures: '0' });
    expect(all(root, 'testcase').map((c) => c.children.map((x) => x.name))).toEqual([
      ['failure', 'system-out'],
      ['error'],
      ['skipped'],
      [],
    ]);
  });

  it('the strict reader refuses what is not well-formed (it is a real check)', () => {
    for (const bad of [
      '<a>&</a>',
      '<a>&foo;</a>',
      '<a b="<"/>',
      '<a b="1" b="2"/>',
      '<a><b></a></b>',
      '<a>\x01</a>',
      '<a/><b/>',
      'x<a/>',
      '<a>',
      '<a>&#0;</a>',
    ])
      expect(() => parseXml(bad), bad).toThrow();
  });

  const python = toolchain('python');
  it.skipIf(python.skip)(`a real XML parser (expat) reads the same values${python.note}`, () => {
    const xml = junitXml('weavergen ci', suites(HOSTILE), 1);
    expect(expatParse(xml)).toBeUndefined();
    expect(expatAttrs(xml, 'failure')).toEqual({ message: EXPECTED, type: EXPECTED });
    // and it refuses what the writer must never produce
    expect(expatParse('<a>\x01</a>')).toMatch(/not well-formed|invalid token/);
    expect(expatParse(`<a b="${'\x1b'}"/>`)).toMatch(/not well-formed|invalid token/);
  });
});
