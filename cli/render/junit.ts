/**
 * A JUnit XML report, the format CI systems read (GitHub Actions reporters, GitLab, Jenkins,
 * Azure Pipelines): `<testsuites>` of `<testsuite>`s of `<testcase>`s, a failing case carrying a
 * `<failure message=...>` with the details as its text. Written here rather than with a library:
 * what it needs is escaping done right, which is a few lines.
 *
 * Every string is made safe for XML 1.0: terminal colour sequences are removed, characters XML 1.0
 * forbids (control characters other than tab, newline and carriage return, lone surrogates, U+FFFE,
 * U+FFFF) are dropped, `& < > " '` are escaped, and in attribute values tab, newline and carriage
 * return are written as character references so a parser gives them back instead of spaces.
 */

export type CaseStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface JUnitCase {
  name: string;
  classname: string;
  status: CaseStatus;
  /** one line: the failure's, error's or skip's `message` attribute */
  message?: string;
  /** the failure's `type` attribute (e.g. an error code) */
  type?: string;
  /** the failure's or error's text: located errors, one per line */
  detail?: string;
  /** where the problem is, for reporters that annotate files (`file` and `line` attributes) */
  file?: string;
  line?: number;
  /** what the check saw, as `<system-out>` */
  output?: string;
  timeMs?: number;
}

export interface JUnitSuite {
  name: string;
  cases: JUnitCase[];
  /** `<system-out>` of the suite (e.g. warnings that fail nothing) */
  output?: string;
  timeMs?: number;
}

export interface JUnitCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

// ANSI escape sequences (CSI ... final byte, and OSC ... BEL/ST): their ESC alone would be dropped,
// leaving `[31m` in the text
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to remove
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
// XML 1.0 Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; with
// the u flag a lone surrogate is a code point of its own (U+D800-U+DFFF), outside every range
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The text with what XML 1.0 cannot hold removed: colour sequences, then forbidden characters. */
export const xmlSafe = (s: string): string => s.replace(ANSI, '').replace(NOT_XML_CHAR, '');

/** Character data: `& < >` escaped (`>` too, so `]]>` never appears), `\r` kept as a reference. */
export const escapeText = (s: string): string =>
  xmlSafe(s).replace(/[&<>\r]/g, (c) => TEXT_REFS[c as keyof typeof TEXT_REFS]);

/** An attribute value in double quotes: `& < > " '` escaped, tab, newline and `\r` as references. */
export const escapeAttr = (s: string): string =>
  xmlSafe(s).replace(/[&<>"'\t\n\r]/g, (c) => ATTR_REFS[c as keyof typeof ATTR_REFS]);

const TEXT_REFS = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR_REFS = { ...TEXT_REFS, '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;' };

type Attrs = Record<string, string | number | undefined>;

const attrs = (a: Attrs) =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : (ms / 1000).toFixed(3));

export function countCases(cases: JUnitCase[]): JUnitCounts {
  const n = (s: CaseStatus) => cases.filter((c) => c.status === s).length;
  return { tests: cases.length, failures: n('failed'), errors: n('error'), skipped: n('skipped') };
}

function testcase(c: JUnitCase): string[] {
  const open = `    <testcase${attrs({ name: c.name, classname: c.classname, time: seconds(c.timeMs), file: c.file, line: c.line })}`;
  const inner: string[] = [];
  if (c.status === 'failed' || c.status === 'error') {
    const tag = c.status === 'failed' ? 'failure' : 'error';
    const a = attrs({ message: c.message ?? c.status, type: c.type });
    inner.push(c.detail ? `      <${tag}${a}>${escapeText(c.detail)}</${tag}>` : `      <${tag}${a}/>`);
  } else if (c.status === 'skipped') inner.push(`      <skipped${attrs({ message: c.message })}/>`);
  if (c.output) inner.push(`      <system-out>${escapeText(c.output)}</system-out>`);
  return inner.length ? [`${open}>`, ...inner, '    </testcase>'] : [`${open}/>`];
}

/** The whole report: an XML declaration, `<testsuites>` with the totals, a `<testsuite>` per suite. */
export function junitXml(name: string, suites: JUnitSuite[], timeMs?: number): string {
  const total = countCases(suites.flatMap((s) => s.cases));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name, ...total, time: seconds(timeMs) })}>`,
  ];
  for (const s of suites) {
    lines.push(`  <testsuite${attrs({ name: s.name, ...countCases(s.cases), time: seconds(s.timeMs) })}>`);
    for (const c of s.cases) lines.push(...testcase(c));
    if (s.output) lines.push(`    <system-out>${escapeText(s.output)}</system-out>`);
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
