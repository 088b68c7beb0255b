import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, open, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeOf } from '../../../node/errors.js';
import {
  BUILTIN_DIR,
  findPack,
  loadPackDir,
  PACK_LIMITS,
  PackError,
  PackErrorCode,
} from '../../../node/packs/index.js';
import { type Harness, MINI_REGISTRY, startHarness } from '../api/harness.js';

/**
 * Issue 11 (items 3 and 4) for pattern packs, which come from strangers: a template symlinked to a
 * file outside the pack once copied that file into the generated output, and a FIFO template hung
 * the worker threads. Packs are now read under the registry's file rules: regular files only, links
 * only to regular files inside the pack, reads stopped at PACK_LIMITS.
 */

const MiB = 1024 * 1024;
let base: string;
let secret: string;

/** A copy of the built-in TypeScript pack, with the attack `setup` makes in it. */
async function pack(name: string, setup: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(base, name);
  await cp(join(BUILTIN_DIR, 'typescript'), dir, { recursive: true });
  await setup(dir);
  return dir;
}

/** `f` must throw a PackError with `code` whose message matches, within 2 s and without reading a large file. */
async function refusedQuickly(f: () => Promise<unknown>, code: PackErrorCode, message: RegExp) {
  const started = performance.now();
  const rssBefore = process.memoryUsage().rss;
  const error = await f().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'refused').toBeInstanceOf(PackError);
  expect((error as PackError).code).toBe(code);
  expect((error as PackError).message).toMatch(message);
  expect(outcomeOf(error).status).toBeGreaterThanOrEqual(400);
  expect(outcomeOf(error).status).toBeLessThan(500);
  expect(performance.now() - started, 'time in ms').toBeLessThan(2000);
  expect(process.memoryUsage().rss - rssBefore, 'memory growth').toBeLessThan(128 * MiB);
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'weavergen-hardening-packs-'));
  secret = join(base, 'secret.txt');
  await writeFile(secret, 'the private key\n');
});

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe('loadPackDir reads a pack folder under the file rules', () => {
  it('a template symlinked to a file outside the pack is refused', async () => {
    const dir = await pack('link-outside', async (d) => {
      await unlink(join(d, 'templates', 'index.ts.liquid'));
      await symlink(secret, join(d, 'templates', 'index.ts.liquid'));
    });
    await refusedQuickly(
      () => loadPackDir(dir),
      PackErrorCode.INVALID_MANIFEST,
      /template index\.ts\.liquid is a symbolic link that leaves the folder/,
    );
    // a folder given as --pack says why it cannot be used, rather than "no pack named"
    await refusedQuickly(
      () => findPack('typescript', dir),
      PackErrorCode.INVALID_MANIFEST,
      /leaves the folder/,
    );
  });

  it('a FIFO template is refused without being opened', async () => {
    const dir = await pack('fifo', async (d) => {
      execFileSync('mkfifo', [join(d, 'templates', 'pipe.liquid')]);
    });
    // more loads than libuv has worker threads: each once held one until someone wrote to the FIFO
    await Promise.all(
      Array.from({ length: 6 }, () =>
        refusedQuickly(
          () => loadPackDir(dir),
          PackErrorCode.INVALID_MANIFEST,
          /template pipe\.liquid is a FIFO \(named pipe\): only regular files are read/,
        ),
      ),
    );
  });

  it('pack.yaml and templates/ must not be links out of the pack either', async () => {
    const manifest = await pack('manifest-link', async (d) => {
      await cp(join(d, 'pack.yaml'), join(base, 'outside-pack.yaml'));
      await unlink(join(d, 'pack.yaml'));
      await symlink(join(base, 'outside-pack.yaml'), join(d, 'pack.yaml'));
    });
    await refusedQuickly(
      () => loadPackDir(manifest),
      PackErrorCode.INVALID_MANIFEST,
      /pack\.yaml is a symbolic link/,
    );
    const templates = await pack('templates-link', async (d) => {
      await rm(join(d, 'templates'), { recursive: true });
      await symlink(join(BUILTIN_DIR, 'typescript', 'templates'), join(d, 'templates'));
    });
    await refusedQuickly(
      () => loadPackDir(templates),
      PackErrorCode.INVALID_MANIFEST,
      /templates is a symbolic link: not followed/,
    );
  });

  it('a huge template is refused at the limit, without reading it', async () => {
    const dir = await pack('huge', async (d) => {
      // 1 GiB, sparse: reading it whole (as before) takes a gigabyte of memory
      const fh = await open(join(d, 'templates', 'huge.liquid'), 'w');
      await fh.truncate(1024 * MiB);
      await fh.close();
    });
    await refusedQuickly(
      () => loadPackDir(dir),
      PackErrorCode.TOO_LARGE,
      new RegExp(`template huge\\.liquid is larger than ${PACK_LIMITS.maxTemplateBytes} bytes`),
    );
    const manifest = await pack('huge-manifest', async (d) => {
      await writeFile(join(d, 'pack.yaml'), `# ${'x'.repeat(PACK_LIMITS.maxManifestBytes)}\n`);
    });
    await refusedQuickly(() => loadPackDir(manifest), PackErrorCode.TOO_LARGE, /pack\.yaml is larger than/);
  });

  it('too many templates are refused while walking', async () => {
    const dir = await pack('many', async (d) => {
      await mkdir(join(d, 'templates', 'many'));
      for (let i = 0; i <= PACK_LIMITS.maxTemplates; i++)
        await writeFile(join(d, 'templates', 'many', `t${i}.liquid`), '');
    });
    await refusedQuickly(
      () => loadPackDir(dir),
      PackErrorCode.TOO_LARGE,
      new RegExp(`more than ${PACK_LIMITS.maxTemplates} templates`),
    );
  });

  it('a link to a regular file inside the pack is followed', async () => {
    const dir = await pack('inner-link', async (d) => {
      await symlink(join(d, 'templates', 'header.liquid'), join(d, 'templates', 'header-copy.liquid'));
    });
    const p = await loadPackDir(dir);
    expect(p.templates['header-copy.liquid']).toBe(p.templates['header.liquid']);
  });
});

describe('through the HTTP API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('POST /v1/generate with a pack folder holding a FIFO or an outside link -> 422, /v1/health answers', async () => {
    for (const [name, setup] of [
      ['http-fifo', async (d: string) => execFileSync('mkfifo', [join(d, 'templates', 'pipe.liquid')])],
      [
        'http-link',
        async (d: string) => {
          await unlink(join(d, 'templates', 'index.ts.liquid'));
          await symlink(secret, join(d, 'templates', 'index.ts.liquid'));
        },
      ],
    ] as const) {
      const dir = await pack(name, async (d) => {
        await setup(d);
      });
      const res = await h.call('/v1/generate', {
        auth: true,
        json: { registry: MINI_REGISTRY, languages: ['typescript'], pack: dir, validate: false },
      });
      const text = await res.text();
      expect(res.status, text).toBe(422);
      expect(JSON.parse(text).error.code).toBe(PackErrorCode.INVALID_MANIFEST);
      const health = await h.call('/v1/health', { auth: true });
      expect(health.status).toBe(200);
    }
  });
});
