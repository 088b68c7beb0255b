import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN } from '../../helpers/cli.js';

/**
 * A fast start: `weavergen --version` and `registry check` load none of the heavy parts (libp2p,
 * the OpenTelemetry SDK, the model SDKs, the TypeScript compiler); they are imported only by the
 * commands that need them. The CLI runs in a child process with a module resolve hook (ESM imports)
 * and a require hook (CommonJS), both naming every package resolved from node_modules on stderr.
 */
const HEAVY = [
  /^libp2p$/,
  /^@libp2p\//,
  /^@chainsafe\/libp2p/,
  /^@opentelemetry\/sdk-/,
  /^@opentelemetry\/exporter-/,
  /^openai$/,
  /^@anthropic-ai\//,
  /^ollama$/,
  /^typescript$/,
];
const MARK = 'WG-LOADED ';

/** The hooks, written to a folder of this test's own. */
function hooks(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'wg-lazy-'));
  // the package of a resolved file: the path after the last node_modules/, one segment or @scope/name
  const packageOf = `(p) => { const rest = p.split('node_modules/').at(-1).split('/'); return rest[0].startsWith('@') ? rest[0] + '/' + rest[1] : rest[0]; }`;
  writeFileSync(
    join(dir, 'resolve.mjs'),
    `const packageOf = ${packageOf};
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.includes('/node_modules/')) process.stderr.write(${JSON.stringify(MARK)} + packageOf(decodeURIComponent(new URL(r.url).pathname)) + '\\n');
  return r;
}
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'resolve.mjs')).href)});\n`,
  );
  writeFileSync(
    join(dir, 'require.cjs'),
    `const Module = require('node:module');
const packageOf = ${packageOf};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  if (file.includes('/node_modules/')) process.stderr.write(${JSON.stringify(MARK)} + packageOf(file) + '\\n');
  return file;
};
`,
  );
  return ['--import', pathToFileURL(join(dir, 'register.mjs')).href, '--require', join(dir, 'require.cjs')];
}

/** The packages a node process loaded from node_modules, and its exit code. */
function loaded(args: string[]): Promise<{ code: number | null; packages: Set<string>; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...hooks(), ...args], {
      env: { ...process.env, WEAVERGEN_HOME: mkdtempSync(join(tmpdir(), 'wg-lazy-home-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const packages = new Set(
        stderr
          .split('\n')
          .filter((l) => l.startsWith(MARK))
          .map((l) => l.slice(MARK.length)),
      );
      resolve({ code, packages, stdout });
    });
  });
}

const heavy = (packages: Set<string>) => [...packages].filter((p) => HEAVY.some((h) => h.test(p)));

describe('start-up loads only what the command needs', () => {
  it('the hooks see what a process loads, ESM and CommonJS alike', async () => {
    const r = await loaded([
      '--input-type=module',
      '-e',
      "await import('typescript'); (await import('node:module')).createRequire(import.meta.url)('yaml');",
    ]);
    expect(r.code).toBe(0);
    expect(heavy(r.packages)).toEqual(['typescript']);
    expect(r.packages.has('yaml')).toBe(true);
  });

  it('weavergen --version', async () => {
    const r = await loaded([BIN, '--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.packages.has('commander')).toBe(true);
    expect(heavy(r.packages)).toEqual([]);
  });

  it('weavergen registry check examples/shop', async () => {
    const r = await loaded([BIN, 'registry', 'check', join(process.cwd(), 'examples', 'shop')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: /);
    expect(r.packages.has('yaml')).toBe(true);
    expect(heavy(r.packages)).toEqual([]);
  });
});
