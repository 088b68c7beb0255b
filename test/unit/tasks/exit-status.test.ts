import { describe, expect, it } from 'vitest';
import { judgeGoRun } from '../../../node/tasks/runners/go.js';
import { goRunResults } from '../../../node/tasks/runners/go-results.js';
import { judgeRecords as judgeJava } from '../../../node/tasks/runners/java.js';
import { judgeRecords as judgePython } from '../../../node/tasks/runners/python.js';
import { type Ev, type JudgeContext, judgeEvents } from '../../../node/tasks/runners/typescript.js';
import type { ProcessResult } from '../../../node/validation/run-process.js';

/**
 * The judges check a run's report against how its process ended: an exit status that contradicts
 * the report means the report is not to be trusted, and every test fails "not judged".
 */
const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
const proc = (code: number | null): ProcessResult => ({
  code,
  stdout: '',
  stderr: '',
  timedOut: false,
  notFound: false,
  durationMs: 1,
});

describe('typescript judgeEvents', () => {
  const user = '/run/sum.test.js';
  const entry = '/ctl/entry-0.mjs';
  const marks = { load: '__weavergen_load_x', end: '__weavergen_end_x' };
  const context = (code: number | null): JudgeContext => ({
    sources: new Map([[user, 'sum.test.ts']]),
    entries: new Map([[entry, 'sum.test.ts']]),
    marks,
    code,
    stderr: '',
  });
  const run = (outcome: 'pass' | 'fail', foreign = 0): Ev[] => [
    { t: 'enqueue', name: 'adds', nesting: 0, file: user },
    { t: 'dequeue', name: 'adds', nesting: 0, file: user },
    { t: outcome, name: 'adds', nesting: 0, file: user, ...(outcome === 'fail' ? { msg: 'no' } : {}) },
    { t: 'pass', name: 'negatives', nesting: 0, file: user },
    { t: 'pass', name: marks.end, nesting: 0, file: entry },
    { t: 'end', name: '', nesting: 0, foreign },
  ];

  it('takes the report when the exit status agrees', () => {
    expect(judgeEvents(run('pass'), context(0))).toEqual([
      { name: 'sum.test.ts > adds', passed: true },
      { name: 'sum.test.ts > negatives', passed: true },
    ]);
    expect(judgeEvents(run('fail'), context(1)).map((o) => o.passed)).toEqual([false, true]);
  });

  it('exit 0 with a failing test: nothing is judged', () => {
    const out = judgeEvents(run('fail'), context(0));
    expect(out).toHaveLength(2);
    for (const o of out) {
      expect(o.passed).toBe(false);
      expect(o.message).toMatch(/^not judged: node --test exited with 0 although a test failed/);
    }
  });

  it('exit 1 with every test passed: nothing is judged, unless the answer’s own tests failed', () => {
    const out = judgeEvents(run('pass'), context(1));
    expect(
      out.every((o) => !o.passed && /^not judged: node --test exited with 1/.test(o.message ?? '')),
    ).toBe(true);
    // a failing test the answer registered itself explains the exit 1 (and does not count)
    expect(judgeEvents(run('pass', 1), context(1)).every((o) => o.passed)).toBe(true);
  });
});

describe('python judgeRecords', () => {
  const context = (code: number | null) => ({
    modules: new Map([['test_sum', 'test_sum.py']]),
    testFiles: ['test_sum.py'],
    code,
    timedOut: false,
    stderr: '',
  });
  const id = 'test_sum.T.test_adds';
  const records = [`N ${hex(id)} ${hex('test_sum')}`, `P ${hex(id)} 0`, `R ${hex(id)} 1 `, 'E'].join('\n');

  it('an end record then exit 0 passes', () => {
    expect(judgePython(records, context(0))).toEqual([{ name: id, passed: true }]);
  });

  it('an end record then exit code 3: nothing is judged', () => {
    expect(judgePython(records, context(3))).toEqual([
      { name: id, passed: false, message: 'not judged: the test process exited with 3 after its report' },
    ]);
  });

  it('a test the file declares that was never planned fails as gone (not when its module did not load)', () => {
    const gone = 'test_sum.T.test_negatives';
    const withGone = `N ${hex(gone)} ${hex('test_sum')}\n${records}`;
    expect(judgePython(withGone, context(0))).toEqual([
      { name: id, passed: true },
      { name: gone, passed: false, message: 'not run: the test disappeared before the run' },
    ]);
    const unloaded = `N ${hex(gone)} ${hex('test_sum')}\nL ${hex('test_sum')} ${hex('ImportError: x')}\nE`;
    expect(judgePython(unloaded, context(0))).toEqual([
      { name: 'test_sum.py', passed: false, message: 'the test file failed to load: ImportError: x' },
    ]);
  });
});

describe('java judgeRecords', () => {
  const expected = ['SumTest.adds()'];
  const records = [
    { k: 'test' as const, name: 'SumTest.adds()', status: 'SUCCESSFUL' },
    { k: 'end' as const, tests: 1, failed: 0 },
  ];

  it('end{failed: 0} and exit 0 passes', () => {
    expect(judgeJava(records, proc(0), expected, '10 s')).toEqual([{ name: 'SumTest.adds()', passed: true }]);
  });

  it('a failure reads as JUnit said it, with the first frame of the tests or the answer', () => {
    const failed = {
      k: 'test' as const,
      name: 'SumTest.adds()',
      status: 'FAILED',
      type: 'org.opentest4j.AssertionFailedError',
      message: '2+3 ==> expected: <5> but was: <-1>',
      trace:
        'org.opentest4j.AssertionFailedError: 2+3\n\tat org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:151)\n\tat SumTest.adds(SumTest.java:11)\n',
    };
    expect(judgeJava([failed, { k: 'end', tests: 1, failed: 1 }], proc(1), expected, '10 s')).toEqual([
      {
        name: 'SumTest.adds()',
        passed: false,
        message: '2+3 ==> expected: <5> but was: <-1> (at SumTest.java:11)',
      },
    ]);
  });

  it('end{failed: 0} with exit code 1: nothing is judged', () => {
    const out = judgeJava(records, proc(1), expected, '10 s');
    expect(out).toEqual([
      {
        name: 'SumTest.adds()',
        passed: false,
        message: expect.stringMatching(/exit code 1 contradicts the harness's results \(every test passed\)/),
      },
    ]);
  });
});

describe('go judgeGoRun', () => {
  const records = (hookError?: string) =>
    goRunResults([
      { k: 'hook', ...(hookError ? { e: hookError } : {}), s: 0 },
      { k: 'start', n: 'TestAdds', s: 1 },
      { k: 'end', n: 'TestAdds', failed: false, skipped: false, s: 2 },
    ]);
  const judge = (hookError?: string) =>
    judgeGoRun(records(hookError), proc(0), ['TestAdds'], (s) => s, 10_000);

  it('says when subtests could not be counted one by one, and judges the top-level tests', () => {
    const j = judge('no verbose writer');
    expect(j.note).toBe('subtests not counted one by one: no verbose writer; only top-level tests judged');
    expect(j.outcomes).toEqual([{ test: 'TestAdds', name: 'TestAdds', passed: true }]);
  });

  it('says nothing when the writer was hooked', () => {
    expect(judge().note).toBeUndefined();
  });
});
