import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { SHOP_REGISTRY } from '../helpers/registry.js';

/**
 * One pipeline behind every command: without a node the CLI starts the same node in its own
 * process, so a generation is recorded (spans, decisions, cache, learning) and can be explained;
 * with a node running on the home the same commands give the same results and exit codes.
 */
const BROKEN = join(process.cwd(), 'examples', 'broken');
const home = () => mkdtemp(join(tmpdir(), 'wg-pipeline-'));
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;
const idOf = (stdout: string) => /generation (\d{15}-[0-9a-f]{8})/.exec(stdout)?.[1];

/** A node serving the home's API, as `weavergen node start` runs it. */
async function startNode(h: string): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [BIN, 'node', 'start', '--home', h, '--api-port', '0', '--no-network', '--no-example'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!/API and dashboard: http/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`node did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

describe('without a node: the CLI runs the node in its own process', () => {
  let h: string;
  let id: string;
  beforeAll(async () => {
    h = await home();
    const r = await cli(['generate', SHOP_REGISTRY, '--lang', 'ts,python', '--home', h]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    id = idOf(r.stdout)!;
    expect(id).toBeDefined();
  });

  it('records the generation: listed, explained, with its spans and what was learned', async () => {
    const list = await cli(['generations', '--home', h]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(id);
    const why = await cli(['explain', id, '--home', h]);
    expect(why.code).toBe(0);
    expect(why.stdout).toMatch(/choose:typescript: typescript-semconv/);
    expect(why.stdout).toMatch(/consensus:python: python-semconv/);
    const spans = await cli(['spans', '--generation', id, '--home', h, '--json']);
    const names = new Set(JSON.parse(spans.stdout).map((s: { name: string }) => s.name));
    for (const n of [
      'weavergen.generation',
      'weavergen.registry.resolve',
      'weavergen.candidate',
      'weavergen.output',
    ])
      expect(names).toContain(n);
    const insights = await cli(['insights', '--home', h, '--json']);
    expect(JSON.parse(insights.stdout).outcomes).toBeGreaterThanOrEqual(2);
  });

  it('writes under the home by default, and serves an unchanged request from the cache, explained by its producer', async () => {
    expect(existsSync(join(h, 'out', id, 'typescript', 'index.ts'))).toBe(true);
    const again = await cli(['generate', SHOP_REGISTRY, '--lang', 'ts,python', '--home', h, '--json']);
    expect(again.code).toBe(0);
    const json = JSON.parse(again.stdout);
    expect(json.generation.cachedFrom).toBe(id);
    const why = await cli(['explain', json.generation.id, '--home', h]);
    expect(why.stdout).toMatch(new RegExp(`served from the cache: .* generation ${id}`));
    expect(why.stdout).toMatch(/cache: served from the cache/);
    expect(why.stdout).toMatch(/choose:typescript/);
  });

  it('records --no-validate like any generation, with no toolchain run and nothing learned', async () => {
    const before = JSON.parse((await cli(['insights', '--home', h, '--json'])).stdout).outcomes;
    const r = await cli(['generate', SHOP_REGISTRY, '--lang', 'go', '--no-validate', '--home', h, '--json'], {
      PATH: '/nonexistent',
    });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.languages[0].validation).toMatchObject({
      status: 'not_validated',
      summary: 'not validated: skipped (--no-validate)',
    });
    expect(json.languages[0].candidates).toBe(1);
    const why = await cli(['explain', json.generation.id, '--home', h]);
    expect(why.stdout).toMatch(/not validated \(the request said so\)/);
    const after = JSON.parse((await cli(['insights', '--home', h, '--json'])).stdout).outcomes;
    expect(after).toBe(before);
  });
});

describe('exit codes and messages a script can trust', () => {
  it('refuses a registry with check errors (exit 1, located errors), unless --allow-errors', async () => {
    const h = await home();
    const r = await cli(['generate', BROKEN, '--lang', 'ts', '--home', h]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /registry\.yaml:13:9: error \[invalid-type\] invalid attribute type "strng"\n {2}fix: /,
    );
    expect(r.stdout).toMatch(/signals\.yaml:17:9: error \[unresolved-ref\]/);
    expect(r.stderr).toMatch(/the registry has 7 check errors.*--allow-errors/);
    const allowed = await cli(['generate', BROKEN, '--lang', 'ts', '--allow-errors', '--home', h, '--json']);
    const json = JSON.parse(allowed.stdout);
    expect(json.check).toMatchObject({ errors: 7, allowed: true });
    expect(json.languages[0].validation.status).toBe('passed');
    expect(allowed.code).toBe(0);
  });

  it('a language that could not be validated is exit 1 with the tool and its package (--no-validate: 0, above)', async () => {
    const r = await cli(['generate', SHOP_REGISTRY, '--lang', 'go,ts', '--home', await home()], {
      PATH: '/nonexistent',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^weavergen: go: not validated: go not found \(Debian package: golang-go\); install it, or pass --no-validate/m,
    );
    expect(r.stderr).not.toMatch(/typescript/);
  });

  it('a language whose code does not compile is exit 1 with its located errors', async () => {
    const pack = await mkdtemp(join(tmpdir(), 'wg-badpack-'));
    await mkdir(join(pack, 'templates'));
    await writeFile(
      join(pack, 'pack.yaml'),
      'name: broken-ts\nversion: 1.0.0\nlanguage: typescript\ndescription: Does not compile.\nlicense: Apache-2.0\nparams: {}\nfiles:\n  - { template: index.ts.liquid, output: index.ts }\n',
    );
    await writeFile(join(pack, 'templates', 'index.ts.liquid'), 'export const X: number = "not a number";\n');
    const r = await cli(['generate', SHOP_REGISTRY, '--lang', 'ts', '--pack', pack, '--home', await home()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^weavergen: typescript: failed: 1 error/m);
    expect(r.stdout).toMatch(/typescript index\.ts:1:14: TS2322/);
  });

  it('an unknown param or value is exit 2 listing the allowed ones', async () => {
    const h = await home();
    const value = await cli([
      'generate',
      SHOP_REGISTRY,
      '--lang',
      'ts',
      '--param',
      'doc_style=loud',
      '--home',
      h,
    ]);
    expect(value.code).toBe(2);
    expect(value.stderr).toMatch(
      /doc_style=loud is not allowed by pack typescript-semconv; use one of: full, brief, none/,
    );
    const name = await cli(['generate', SHOP_REGISTRY, '--lang', 'ts', '--param', 'colour=red', '--home', h]);
    expect(name.code).toBe(2);
    expect(name.stderr).toMatch(
      /no pack of this request has a param "colour" \(known: doc_style, enum_style, layout\)/,
    );
  });

  it('user mistakes are one line and exit 2, never a stack trace; --verbose shows it', async () => {
    const h = await home();
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['frobnicate'], {}, /unknown command 'frobnicate'/],
      [['generate', SHOP_REGISTRY], {}, /required option '--lang <list>'/],
      [['generate', SHOP_REGISTRY, '--lang', 'ts', '--bogus'], {}, /unknown option '--bogus'/],
      [['generate', SHOP_REGISTRY, '--lang', 'cobol'], {}, /unknown language "cobol"/],
      [
        ['generate', '/nonexistent/registry', '--lang', 'ts', '--home', h],
        {},
        /no such folder: \/nonexistent\/registry/,
      ],
      [
        ['generate', SHOP_REGISTRY, '--lang', 'ts', '--home', h],
        { WEAVERGEN_CANDIDATES: 'abc' },
        /WEAVERGEN_CANDIDATES="abc" is not a whole number/,
      ],
      [
        ['generations', '--home', h],
        { WEAVERGEN_NETWORK: 'maybe' },
        /WEAVERGEN_NETWORK="maybe": use on or off/,
      ],
      [['explain', 'nope', '--home', h], {}, /no generation or task with id nope/],
      [['spans', '--limit', 'lots', '--home', h], {}, /--limit must be a whole number/],
      [
        ['insights', '--home', join(h, 'never-used')],
        {},
        /no WeaverGen home at .*never-used.*weavergen generate/,
      ],
      [['peers', '--home', h], {}, /no node is running on .*weavergen node start/],
      [['node', 'start', '--api-port', 'http', '--home', h], {}, /--api-port must be a port number/],
    ];
    // the first generation creates the home, so the reads below find one
    await cli(['generate', SHOP_REGISTRY, '--lang', 'ts', '--home', h, '--no-validate']);
    for (const [args, env, message] of cases) {
      const r = await cli(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(NO_STACK);
    }
    await writeFile(join(h, 'weavergen.config.json'), '{"generation": {"candidates": ');
    const config = await cli(['generations', '--home', h]);
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/weavergen\.config\.json is not valid JSON .*fix it or remove it/);
    expect(config.stderr).not.toMatch(NO_STACK);
    const verbose = await cli(['generations', '--home', h, '--verbose']);
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(NO_STACK);
  });

  it('a home held by another process names it and says what to do; a taken port too', async () => {
    const h = await home();
    const node = await startNode(h);
    try {
      const second = await cli(['node', 'start', '--home', h, '--api-port', '0', '--no-network']);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(
        new RegExp(
          `the home ${h} is in use by process ${node.child.pid} \\(weavergen node start.*stop it first \\(kill ${node.child.pid}\\)`,
        ),
      );
      expect(second.stderr).not.toMatch(NO_STACK);
      const { url } = JSON.parse(await readFile(join(h, 'node.json'), 'utf8'));
      const port = new URL(url).port;
      const taken = await cli(['node', 'start', '--home', await home(), '--api-port', port, '--no-network']);
      expect(taken.code).toBe(2);
      expect(taken.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} is in use .*pick another port`));
      expect(taken.stderr).not.toMatch(NO_STACK);
    } finally {
      await node.stop();
    }
  });
});

describe('with a node running on the home: the same commands, the same results', () => {
  let h: string;
  let node: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    h = await home();
    node = await startNode(h);
  });
  afterAll(() => node?.stop());

  const normalize = (s: string) =>
    s
      .replace(/\d{15}-[0-9a-f]{8}/g, '<id>')
      .replace(/in \d+\.\d+ s/g, 'in <t> s')
      .replace(/\n(typescript|python): .*\/out\/<id>\/\1/g, '\n$1: <out>');

  it('generate gives the same table, exit code and errors as without a node, and is explained', async () => {
    const lone = await home();
    const args = ['generate', SHOP_REGISTRY, '--lang', 'ts,python'];
    const [via, here] = await Promise.all([cli([...args, '--home', h]), cli([...args, '--home', lone])]);
    expect(via.code).toBe(0);
    expect(normalize(via.stdout)).toBe(normalize(here.stdout));
    const why = await cli(['explain', idOf(via.stdout)!, '--home', h]);
    expect(why.stdout).toMatch(/choose:python/);
    for (const bad of [
      ['--param', 'doc_style=loud'],
      ['--lang', 'go', '--param', 'colour=red'],
    ]) {
      const a = await cli([...args, ...bad, '--home', h]);
      const b = await cli([...args, ...bad, '--home', lone]);
      expect([a.code, a.stderr]).toEqual([b.code, b.stderr]);
      expect(a.code).toBe(2);
    }
    const refusedVia = await cli(['generate', BROKEN, '--lang', 'ts', '--home', h]);
    const refusedHere = await cli(['generate', BROKEN, '--lang', 'ts', '--home', lone]);
    expect(refusedVia.code).toBe(1);
    expect(refusedVia.stdout).toBe(refusedHere.stdout);
  });

  it('a node in a container delivers the files over the API, path-checked', async () => {
    const r = await cli(['generate', SHOP_REGISTRY, '--lang', 'ts', '--home', h, '--json']);
    const id = JSON.parse(r.stdout).generation.id;
    const { url } = JSON.parse(await readFile(join(h, 'node.json'), 'utf8'));
    const list = await (await fetch(`${url}/v1/generations/${id}/files`)).json();
    const index = list.files.find((f: { path: string }) => f.path === 'typescript/index.ts');
    expect(index).toMatchObject({ language: 'typescript', bytes: expect.any(Number) });
    const body = await (await fetch(`${url}${index.url}`)).text();
    expect(body).toBe(await readFile(join(h, 'out', id, 'typescript', 'index.ts'), 'utf8'));
    for (const evil of [
      'typescript/../../token',
      'typescript/%2e%2e/%2e%2e/token',
      '..%2Ftoken',
      'typescript/nope.ts',
    ]) {
      const res = await fetch(`${url}/v1/generations/${id}/files/${evil}`);
      expect(res.status, evil).toBe(404);
    }
    // a file replaced by a link to a secret after the generation is not followed
    const written = join(h, 'out', id, 'typescript', 'index.ts');
    await writeFile(join(h, 'secret'), 'secret');
    const { rm } = await import('node:fs/promises');
    await rm(written);
    await symlink(join(h, 'secret'), written);
    const gone = await fetch(`${url}${index.url}`);
    expect(gone.status).toBe(410);
    expect(await gone.text()).not.toMatch(/^secret$/);
  });
});
