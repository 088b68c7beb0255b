import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../../node/validation/run-process.js';

const node = (script: string, opts: Partial<Parameters<typeof runProcess>[2]> = {}) =>
  runProcess(process.execPath, ['-e', script], { cwd: tmpdir(), timeoutMs: 30_000, ...opts });

/** 3 MiB of numbered lines on stdout, in many writes (past the 1 MiB the capture keeps by default) */
const MANY_LINES = `
const lines = [];
for (let i = 0; i < 60000; i++) lines.push(\`line \${i} \${'x'.repeat(40)}\`);
process.stdout.write(lines.join('\\n') + '\\n');
process.stderr.write('done\\n');
`;

describe('runProcess output: streamed, never cut in a way that changes counts', () => {
  it('onStdoutLine sees every line of a 3 MiB output; the capture says it was truncated', async () => {
    const seen: string[] = [];
    const errLines: string[] = [];
    const r = await node(MANY_LINES, {
      onStdoutLine: (l) => seen.push(l),
      onStderrLine: (l) => errLines.push(l),
    });
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(60000);
    expect(seen[0]).toBe(`line 0 ${'x'.repeat(40)}`);
    expect(seen[59999]).toBe(`line 59999 ${'x'.repeat(40)}`);
    expect(errLines).toEqual(['done']);
    // the default capture is still bounded (1 MiB), and now says so
    expect(r.stdout.length).toBeLessThanOrEqual(1024 * 1024);
    expect(r.stdoutTruncated).toBe(true);
    expect(r.stdoutBytes).toBe(60000 * 47 + 10 * 1 + 90 * 2 + 900 * 3 + 9000 * 4 + 50000 * 5);
    expect(r.outputTooLarge).toBeUndefined();
  });

  it('captureBytes: Infinity keeps all of it', async () => {
    const r = await node(MANY_LINES, { captureBytes: Number.POSITIVE_INFINITY });
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(60000);
    expect(r.stdoutTruncated).toBeUndefined();
  });

  it('a last line without a newline is delivered at the end; UTF-8 split across chunks stays whole', async () => {
    const seen: string[] = [];
    const r = await node(
      "const b = Buffer.from('é€😀'); process.stdout.write(b.subarray(0, 1)); setTimeout(() => process.stdout.write(b.subarray(1)), 50);",
      { onStdoutLine: (l) => seen.push(l) },
    );
    expect(seen).toEqual(['é€😀']);
    expect(r.stdout).toBe('é€😀');
  });

  it('maxOutputBytes: past it the process is killed and the result says output too large, not failed', async () => {
    const started = Date.now();
    const r = await node(
      "const s = 'y'.repeat(65536) + '\\n'; const w = () => process.stdout.write(s, w); w();",
      {
        maxOutputBytes: 4 * 1024 * 1024,
        onStdoutLine: () => {},
      },
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.outputTooLarge).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
  });

  it('stdin: the given text reaches the child, then end of file', async () => {
    const r = await node(
      "let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => console.log(s.toUpperCase()));",
      { stdin: 'hello\n' },
    );
    expect(r.stdout).toBe('HELLO\n\n');
  });
});
