import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { provideJavaApi } from '../helpers/java-api.js';
import { providePythonApi } from '../helpers/python-api.js';
import { toolchain } from '../helpers/tools.js';

/**
 * Every README example runs as written: the ```text blocks right after a `<!-- readme-example -->`
 * line hold `$ weavergen ...` commands, each followed by its output and, after `; echo "exit $?"`,
 * its exit code (`exit N`; 0 when not given). Each command runs through the real CLI in a fresh
 * home, from a folder holding a copy of the checkout's examples/ (so relative paths print as in
 * the README and outputs land there, not in the checkout), and must exit as stated and print the
 * README's lines in order (stdout and stderr each in order; `...` stands for lines not compared),
 * with ids, times, temporary paths and toolchain versions normalised on both sides.
 *
 * The README states the outcome with every toolchain, Python's opentelemetry-api and Java's API jar
 * present. CI installs the toolchains (.ci/run); the API package and jar are provided the way the
 * other pipeline tests do (stand-ins where they are not installed). An example needing a toolchain
 * that is missing here is skipped outside CI, naming what to install.
 */
const README = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
const MARKER = '<!-- readme-example -->';
const PY_API = providePythonApi();
const JAVA_API = provideJavaApi();
const TOOLS = toolchain('go', 'goOtel', 'java', 'rust', 'python');

interface Example {
  line: string;
  args: string[];
  code: number;
  expected: string[];
  /** the line ends with `; echo "exit $?"`: its last output line is the exit code */
  echo: boolean;
}

/** The marked blocks' commands, their stated exit codes and output lines. */
function examples(readme: string): Example[] {
  const lines = readme.split('\n');
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== MARKER) continue;
    if (!/^```text\s*$/.test(lines[i + 1] ?? ''))
      throw new Error(`README line ${i + 1}: ${MARKER} not before a text block`);
    let current: Example | undefined;
    for (let j = i + 2; j < lines.length && !lines[j].startsWith('```'); j++) {
      const m = /^\$ weavergen (.*?)(; echo "exit \$\?")?$/.exec(lines[j]);
      if (m) {
        current = { line: lines[j], args: m[1].trim().split(/\s+/), code: 0, expected: [], echo: !!m[2] };
        found.push(current);
      } else if (current) current.expected.push(lines[j]);
    }
  }
  for (const e of found) {
    while (e.expected.at(-1)?.trim() === '') e.expected.pop();
    const exit = /^exit (\d+)$/.exec(e.expected.at(-1) ?? '');
    if (e.echo) {
      if (!exit)
        throw new Error(`README: \`${e.line}\` echoes its exit code, and no \`exit N\` line follows`);
      e.code = Number(exit[1]);
      e.expected.pop();
    }
  }
  return found;
}

/** What differs from run to run or machine to machine, left out on both sides. */
const normalise = (line: string, cwd = '') =>
  (cwd ? line.split(`${cwd}/`).join('') : line)
    .replace(/\d{15}-[0-9a-f]{8}/g, '<id>')
    .replace(/\bin \d+(\.\d+)? m?s\b/g, 'in <t>')
    .replace(/\bv\d+(\.\d+)+\b/g, 'v<x>')
    .replace(/ from \S+/g, ' from <where>')
    .replace(/-{2,}/g, '-')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * The first README line not printed where it should be, or undefined. Each stream is read in order;
 * after a `...` line a stream may skip lines until its next match.
 */
function firstMissing(expected: string[], stdout: string[], stderr: string[]): string | undefined {
  const streams = [stdout, stderr];
  const cursor = [0, 0];
  const gap = [false, false];
  for (const e of expected) {
    if (e === '...') {
      gap.fill(true);
      continue;
    }
    const hit = streams.findIndex((lines, s) => {
      const at = gap[s]
        ? lines.findIndex((l, k) => k >= cursor[s] && l === e)
        : lines[cursor[s]] === e
          ? cursor[s]
          : -1;
      if (at < 0) return false;
      cursor[s] = at + 1;
      gap[s] = false;
      return true;
    });
    if (hit < 0) return e;
  }
  return undefined;
}

/** A folder holding a copy of the examples the README's commands name, as a user's checkout does. */
function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wg-readme-'));
  for (const sub of ['shop', 'shop-base', 'broken', 'weaver'])
    cpSync(join(process.cwd(), 'examples', sub), join(dir, 'examples', sub), { recursive: true });
  return dir;
}

const found = examples(README);

describe(`the README's examples run as written${PY_API}${JAVA_API}`, () => {
  it('finds the marked examples (registry check, registry generate, generate, ci)', () => {
    const commands = found.map((e) => e.args.slice(0, 2).join(' '));
    expect(commands).toEqual(
      expect.arrayContaining([
        'registry check',
        'registry generate',
        'generate examples/shop',
        'ci examples/shop',
      ]),
    );
    expect(found.length).toBeGreaterThanOrEqual(6);
    for (const e of found) expect(e.expected.length, e.line).toBeGreaterThan(0);
  });

  for (const e of found) {
    const langs = e.args[e.args.indexOf('--lang') + 1];
    // a generation of another language than TypeScript needs that language's toolchain
    const needsTools = e.args.includes('--lang') && langs.split(',').some((l) => l !== 'ts');
    const skip = needsTools && TOOLS.skip;
    it.skipIf(skip)(`${e.line}${skip ? TOOLS.note : ''}`, { timeout: 120_000 }, async () => {
      const cwd = workdir();
      const home = mkdtempSync(join(tmpdir(), 'wg-readme-home-'));
      const r = await cli(e.args, { WEAVERGEN_HOME: home }, cwd);
      const lines = (text: string) =>
        text
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => normalise(l, cwd));
      const missing = firstMissing(
        e.expected.map((l) => (l === '...' ? l : normalise(l))),
        lines(r.stdout),
        lines(r.stderr),
      );
      expect(
        missing,
        `README line not printed by \`weavergen ${e.args.join(' ')}\`\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`,
      ).toBeUndefined();
      expect(r.code, r.stderr).toBe(e.code);
    });
  }
});
