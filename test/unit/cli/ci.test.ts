import { describe, expect, it } from 'vitest';
import { parseCandidates, parseMinQuality } from '../../../cli/commands/ci.js';
import { ciTable, ciVerdict, formatQ } from '../../../cli/render/ci.js';
import type { GenerationRecord, LanguageOutcome } from '../../../node/jobs/types.js';
import type { Diagnostic } from '../../../node/semconv/index.js';

const diag = (line: number, code = 'invalid-type', severity: 'error' | 'warning' = 'error'): Diagnostic => ({
  code,
  severity,
  message: `problem ${line}`,
  hint: `fix ${line}`,
  location: { file: '/tmp/weavergen-registry-x/model/a.yaml', line, column: 9 },
});

const components = { compiled: 1, completeness: 1, naming: 1, documentation: 1, deprecation: 1, warnings: 1 };

function outcome(
  language: string,
  over: Partial<NonNullable<LanguageOutcome['winner']>> | null,
): LanguageOutcome {
  return {
    language,
    context: `${language}|builtin|xs|e1`,
    candidates: [],
    agreement: 1,
    reason: over ? 'acceptable' : 'every candidate failed: render error',
    ...(over
      ? {
          winner: {
            arm: {
              key: 'k',
              packName: `${language}-semconv`,
              params: { doc_style: 'full' },
              model: 'builtin',
            },
            q: 1,
            status: 'passed',
            summary: 'passed',
            cached: false,
            spanId: 's',
            components: { ...components },
            files: [{ path: 'a.ts', bytes: 10 }],
            symbols: { expected: 5, found: 5 },
            validation: { status: 'passed', summary: 'passed', errors: 0, warnings: 0, diagnostics: [] },
            ...over,
          },
        }
      : {}),
  };
}

const record = (over: Partial<GenerationRecord>): GenerationRecord => ({
  id: 'g1',
  status: 'succeeded',
  request: { registry: '/r', languages: ['typescript', 'go'] },
  registry: { root: '/r', attributes: 3, metrics: 1, events: 0, errors: 0 },
  createdAt: 0,
  languages: [],
  ...over,
});

const statuses = (v: ReturnType<typeof ciVerdict>) =>
  Object.fromEntries(v.suites.map((s) => [s.name, s.cases.map((c) => `${c.name}:${c.status}`)]));

describe('weavergen ci verdict', () => {
  const opts = { languages: ['typescript', 'go'], minQuality: 0.9 };

  it('passes when the registry checks, every language validated and every q reaches the threshold', () => {
    const v = ciVerdict(record({ languages: [outcome('typescript', {}), outcome('go', { q: 0.9 })] }), opts);
    expect(v.passed).toBe(true);
    expect(v.counts).toEqual({ tests: 7, failures: 0, errors: 0, skipped: 0 });
    expect(v.problems).toEqual([]);
    expect(statuses(v)['registry check']).toEqual(['registry check:passed']);
  });

  it('a registry with check errors: a located case per error, the languages skipped, warnings as output', () => {
    const check = {
      errors: 3,
      warnings: 1,
      diagnostics: [diag(4), diag(7, 'unresolved-ref'), diag(9, 'missing-brief', 'warning')],
      allowed: false,
    };
    const v = ciVerdict(record({ status: 'failed', check, errorCode: 'SEMCONV_INVALID_REGISTRY' }), {
      ...opts,
      file: (f) => f.replace('/tmp/weavergen-registry-x/', ''),
    });
    expect(v.passed).toBe(false);
    const suite = v.suites[0];
    expect(suite.cases.map((c) => c.name)).toEqual([
      'model/a.yaml:4:9 [invalid-type]',
      'model/a.yaml:7:9 [unresolved-ref]',
      'more errors',
    ]);
    expect(suite.cases[0]).toMatchObject({
      status: 'failed',
      file: 'model/a.yaml',
      line: 4,
      type: 'invalid-type',
      message: 'problem 4 (fix: fix 4)',
      detail: 'model/a.yaml:4:9: error [invalid-type] problem 4\n  fix: fix 4',
    });
    expect(suite.cases[2].message).toMatch(/^1 more error not listed here/);
    expect(suite.output).toMatch(/model\/a\.yaml:9:9: warning \[missing-brief\]/);
    expect(statuses(v).go).toEqual(['generation:skipped', 'validation:skipped', 'quality:skipped']);
    expect(v.suites[1].cases[0].message).toBe('not run: the registry has check errors');
    expect(v.problems).toEqual([
      'registry check: the registry has 3 errors, each with its file:line:column and fix above',
    ]);
    expect(ciTable(v)).toMatch(/registry check {2}check {7}failed: 3 errors/);
  });

  it('a language that failed, one not validated, one below the threshold: each fails its own case', () => {
    const notValidated = {
      status: 'not_validated',
      summary: 'not validated: go not found (Debian package: golang-go)',
      errors: 0,
      warnings: 0,
      diagnostics: [],
    };
    const v = ciVerdict(
      record({
        request: { registry: '/r', languages: ['typescript', 'go', 'rust'] },
        languages: [
          outcome('typescript', { q: 0.85, components: { ...components, documentation: 0 } }),
          outcome('go', { q: 0.3, components: { ...components, compiled: null }, validation: notValidated }),
          outcome('rust', null),
        ],
      }),
      { languages: ['typescript', 'go', 'rust'], minQuality: 0.9 },
    );
    expect(statuses(v)).toMatchObject({
      typescript: ['generation:passed', 'validation:passed', 'quality:failed'],
      go: ['generation:passed', 'validation:failed', 'quality:failed'],
      rust: ['generation:failed', 'validation:skipped', 'quality:skipped'],
    });
    const ts = v.suites[1].cases[2];
    expect(ts.message).toBe('quality 0.850 < 0.90 (documentation 0.000)');
    expect(ts.detail).toMatch(/documentation 0\.000 x 0\.15/);
    expect(ts.detail).toMatch(/documentation costs 0\.150/);
    expect(v.suites[2].cases[1].message).toBe(
      'not validated: go not found (Debian package: golang-go); install it, or leave the language out (--lang)',
    );
    expect(v.suites[2].cases[2].message).toBe('quality 0.300 < 0.90 (not validated)');
    expect(v.suites[3].cases[0].message).toBe('failed: every candidate failed: render error');
    expect(v.problems).toEqual([
      'typescript: quality 0.850 < 0.90 (documentation 0.000)',
      'go: validation: not validated: go not found (Debian package: golang-go); install it, or leave the language out (--lang)',
      'go: quality 0.300 < 0.90 (not validated)',
      'rust: generation: failed: every candidate failed: render error',
    ]);
  });

  it('a validation that failed lists the located compiler errors first', () => {
    const validation = {
      status: 'failed',
      summary: 'failed: 1 error',
      errors: 1,
      warnings: 1,
      diagnostics: [
        { file: 'b.ts', line: 2, column: 1, severity: 'warning' as const, message: 'unused' },
        {
          file: 'a.ts',
          line: 5,
          column: 3,
          severity: 'error' as const,
          message: "TS2304: Cannot find name 'x'",
        },
      ],
    };
    const v = ciVerdict(record({ languages: [outcome('typescript', { q: 0.29, validation })] }), {
      languages: ['typescript'],
      minQuality: 0.5,
    });
    expect(v.suites[1].cases[1]).toMatchObject({
      status: 'failed',
      message: 'failed: 1 error',
      detail:
        "failed: 1 error, 1 warning\na.ts:5:3: error: TS2304: Cannot find name 'x'\nb.ts:2:1: warning: unused",
    });
  });

  it('a generation that could not run at all is an error, not a pass', () => {
    const v = ciVerdict(
      record({ status: 'failed', registry: undefined, error: 'dependency registry gone', errorCode: 'X' }),
      opts,
    );
    expect(v.suites[0].cases[0]).toMatchObject({ status: 'error', message: 'dependency registry gone' });
    expect(v.passed).toBe(false);
    const cancelled = ciVerdict(
      record({ status: 'cancelled', languages: [outcome('typescript', {}), outcome('go', {})] }),
      opts,
    );
    expect(cancelled.passed).toBe(false);
    expect(cancelled.suites.at(-1)?.cases[0]).toMatchObject({
      status: 'error',
      message: 'the generation ended cancelled',
    });
  });

  it('never shows a q that missed the threshold rounded up to it', () => {
    expect(formatQ(0.8999, 0.9)).toBe('0.8999');
    expect(formatQ(0.85, 0.9)).toBe('0.850');
    expect(formatQ(0.9, 0.9)).toBe('0.900');
  });

  it('--min-quality is a number from 0 to 1, --candidates a whole number from 1 to 8', () => {
    expect(parseMinQuality(undefined)).toBe(0.9);
    expect(parseMinQuality('0')).toBe(0);
    expect(parseMinQuality('1')).toBe(1);
    expect(parseMinQuality('.75')).toBe(0.75);
    for (const bad of ['1.01', '-0.1', 'abc', '', '0x1', '1e-1', 'NaN', 'Infinity'])
      expect(() => parseMinQuality(bad), bad).toThrow(/give a number from 0 to 1/);
    expect(parseCandidates('3')).toBe(3);
    for (const bad of ['0', '9', '1.5', 'two']) expect(() => parseCandidates(bad), bad).toThrow(/1 to 8/);
  });
});
