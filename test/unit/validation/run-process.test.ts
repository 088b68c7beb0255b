import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  childEnv,
  insideDir,
  runProcess,
  UnsafePathError,
  withTempDir,
} from '../../../node/validation/run-process.js';

afterEach(() => vi.unstubAllEnvs());

describe('runProcess', () => {
  it('an already-aborted signal starts nothing and says the run was cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    const started = Date.now();
    const r = await runProcess(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], {
      cwd: tmpdir(),
      timeoutMs: 5_000,
      signal: ac.signal,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(r).toMatchObject({ cancelled: true, code: null, timedOut: false, notFound: false });
  });

  it('an abort while it runs kills it and says cancelled', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await runProcess(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], {
      cwd: tmpdir(),
      timeoutMs: 5_000,
      signal: ac.signal,
    });
    expect(r.cancelled).toBe(true);
    expect(r.code).not.toBe(0);
  });

  it('cleanEnv: only the minimal variables and the given ones reach the child, no API key', async () => {
    vi.stubEnv('WEAVERGEN_SECRET_TEST', 'sk-do-not-leak');
    vi.stubEnv('OPENAI_API_KEY', 'sk-do-not-leak');
    vi.stubEnv('JAVA_HOME', '/opt/jdk');
    const print = ['-e', 'console.log(JSON.stringify(process.env))'];
    const clean = await runProcess(process.execPath, print, {
      cwd: tmpdir(),
      timeoutMs: 10_000,
      cleanEnv: true,
      passEnv: ['JAVA_HOME'],
      env: { GOFLAGS: '-mod=mod' },
    });
    const env = JSON.parse(clean.stdout);
    expect(env.WEAVERGEN_SECRET_TEST).toBeUndefined();
    expect(env.OPENAI_API_KEY).toBeUndefined();
    expect(env).toMatchObject({ PATH: process.env.PATH, JAVA_HOME: '/opt/jdk', GOFLAGS: '-mod=mod' });
    // without it (the semconv validators) the environment is inherited, as before
    const inherited = await runProcess(process.execPath, print, { cwd: tmpdir(), timeoutMs: 10_000 });
    expect(JSON.parse(inherited.stdout).WEAVERGEN_SECRET_TEST).toBe('sk-do-not-leak');
    expect(childEnv({ cleanEnv: true, env: { HOME: '/x' } }).HOME).toBe('/x');
  });
});

describe('withTempDir', () => {
  it('refuses absolute paths and paths leading out of the folder, before running anything', async () => {
    for (const path of ['/etc/x.py', '../x.py', 'a/../../x.py', '', '.', 'a/..']) {
      const fn = vi.fn(async () => 1);
      await expect(withTempDir('t', [{ path, content: '' }], fn)).rejects.toBeInstanceOf(UnsafePathError);
      expect(fn).not.toHaveBeenCalled();
    }
    expect(insideDir('/tmp/d', 'a/./b/../c.py')).toBe(join('/tmp/d', 'a/c.py'));
    expect(await withTempDir('t', [{ path: './a/b.py', content: 'x' }], async () => 'ran')).toBe('ran');
  });
});
