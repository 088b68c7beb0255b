import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_OUTCOMES, outcomeOf } from '../../../node/errors.js';
import type { GenerationEvent } from '../../../node/jobs/types.js';
import {
  loadRegistry,
  REGISTRY_LIMITS,
  registryContentHash,
  SemconvError,
  SemconvErrorCode,
  YAML_LIMITS,
} from '../../../node/semconv/index.js';
import { yaml } from '../../helpers/registry.js';
import { type Harness, readSse, startHarness } from '../api/harness.js';

/**
 * Issue 11 (items 2, 3, 4, part of 8): hostile registries. Each attack below once hung the node,
 * took gigabytes, read files outside the registry or answered 500. Now each is refused quickly with
 * a SemconvError whose code the node maps to 422, the same through the HTTP API, and the node keeps
 * answering /v1/health and stops in time.
 */

const VALID = yaml(
  'groups:',
  '  - id: registry.shop',
  '    type: attribute_group',
  '    brief: Shop attributes.',
  '    attributes:',
  '      - {id: shop.name, type: string, stability: development, brief: The shop name., examples: [corner]}',
);

/** 370 bytes that expand to 10^7 nodes ("billion laughs"). */
function aliasBomb(): string {
  let s = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i <= 7; i++)
    s += `l${i}: &l${i} [${Array(10)
      .fill(`*${i === 1 ? 'a' : `l${i - 1}`}`)
      .join(', ')}]\n`;
  return s;
}

const isRoot = process.getuid?.() === 0;

interface Refusal {
  code?: string;
  message?: string;
  status?: number;
}

/** loadRegistry's refusal of `dir` in this process. */
async function loadHere(dir: string): Promise<Refusal> {
  const e = await loadRegistry(dir).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SemconvError);
  const err = e as SemconvError;
  return { code: err.code, message: err.message, status: outcomeOf(err).status };
}

/** The same in a child process running as nobody (uid and gid 65534), with the built node. */
async function loadWithoutOverride(dir: string): Promise<Refusal> {
  // root without the capabilities that let it ignore a file's mode (setpriv, util-linux): the same
  // user, so the repository and the temp folders stay reachable (CI's clone sits in a 0700 folder)
  const dist = (m: string) => pathToFileURL(join(process.cwd(), 'dist', 'node', m)).href;
  const code = `
    const [semconv, errors] = await Promise.all([import(${JSON.stringify(dist('semconv/index.js'))}), import(${JSON.stringify(dist('errors.js'))})]);
    const e = await semconv.loadRegistry(process.argv.at(-1)).then(() => undefined, (x) => x);
    process.stdout.write(JSON.stringify(e ? { code: e.code, message: e.message, status: errors.outcomeOf(e).status } : {}));
  `;
  const drop = '-dac_override,-dac_read_search';
  const out = execFileSync(
    'setpriv',
    [
      `--bounding-set=${drop}`,
      `--inh-caps=${drop}`,
      process.execPath,
      '--input-type=module',
      '-e',
      code,
      dir,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return JSON.parse(out) as Refusal;
}
const MiB = 1024 * 1024;

let base: string;
let outside: string;

/** A registry folder with one valid file, and the attack `setup` adds. */
async function registry(name: string, setup: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(base, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'shop.yaml'), VALID);
  await setup(dir);
  return dir;
}

interface Attack {
  name: string;
  setup: (dir: string) => Promise<void>;
  code: SemconvErrorCode;
  message: RegExp;
  /** the content hash reads the files too, but parses no YAML: an alias bomb hashes fine */
  hashes?: boolean;
}

const ATTACKS: Attack[] = [
  {
    name: 'alias-bomb',
    setup: (d) => writeFile(join(d, 'bomb.yaml'), aliasBomb()),
    code: SemconvErrorCode.LIMIT_EXCEEDED,
    message: new RegExp(
      `bomb\\.yaml:\\d+:\\d+: YAML aliases expand to more than ${YAML_LIMITS.maxAliasNodes} nodes`,
    ),
    hashes: true,
  },
  {
    name: 'fifo',
    setup: async (d) => execFileSync('mkfifo', [join(d, 'x.yaml')]),
    code: SemconvErrorCode.FILES_REFUSED,
    message: /x\.yaml is a FIFO \(named pipe\): only regular files are read/,
  },
  {
    name: 'dev-zero-links',
    setup: async (d) => {
      for (let i = 1; i <= 4; i++) await symlink('/dev/zero', join(d, `z${i}.yaml`));
    },
    code: SemconvErrorCode.FILES_REFUSED,
    message: /4 files are not read: z1\.yaml is a symbolic link that leaves the folder/,
  },
  {
    name: 'link-outside',
    setup: (d) => symlink(join(outside, 'secret.yaml'), join(d, 'secret.yaml')),
    code: SemconvErrorCode.FILES_REFUSED,
    message: /secret\.yaml is a symbolic link that leaves the folder/,
  },
  {
    name: 'dangling-link',
    setup: (d) => symlink(join(d, 'gone.yaml'), join(d, 'dangling.yaml')),
    code: SemconvErrorCode.FILES_REFUSED,
    message: /dangling\.yaml is a dangling symbolic link/,
  },
  {
    name: 'link-loop',
    setup: async (d) => {
      await symlink('b.yaml', join(d, 'a.yaml'));
      await symlink('a.yaml', join(d, 'b.yaml'));
    },
    code: SemconvErrorCode.FILES_REFUSED,
    message: /a\.yaml is a symbolic link loop; b\.yaml is a symbolic link loop/,
  },
  {
    name: 'folder-link',
    setup: async (d) => {
      await mkdir(join(outside, 'more'), { recursive: true });
      await writeFile(join(outside, 'more', 'more.yaml'), VALID);
      await symlink(join(outside, 'more'), join(d, 'more'));
    },
    code: SemconvErrorCode.FILES_REFUSED,
    message: /more is a symbolic link to a folder: links to folders are not followed/,
  },
  {
    name: 'oversized',
    setup: (d) => writeFile(join(d, 'big.yaml'), `# ${'x'.repeat(REGISTRY_LIMITS.fileBytes)}\n`),
    code: SemconvErrorCode.FILES_REFUSED,
    message: /big\.yaml is 4\.0 MiB, larger than 4 MiB, the limit for one file/,
  },
  {
    name: 'registry-too-large',
    // files at the limit for one file, sparse: refused from their sizes before any is read
    setup: async (d) => {
      const n = Math.floor(REGISTRY_LIMITS.registryBytes / REGISTRY_LIMITS.fileBytes) + 1;
      for (let i = 0; i < n; i++) {
        await writeFile(join(d, `part${i}.yaml`), '');
        await truncate(join(d, `part${i}.yaml`), REGISTRY_LIMITS.fileBytes);
      }
    },
    code: SemconvErrorCode.LIMIT_EXCEEDED,
    message:
      /the YAML files are too large together \(the limit for a registry with its dependencies is 16 MiB\)/,
  },
  {
    name: 'fifo-in-dependency',
    setup: async (d) => {
      const dep = join(base, 'fifo-dep');
      await mkdir(dep, { recursive: true });
      await writeFile(join(dep, 'base.yaml'), VALID.replaceAll('shop', 'base'));
      execFileSync('mkfifo', [join(dep, 'pipe.yaml')]);
      await writeFile(
        join(d, 'registry_manifest.yaml'),
        yaml('name: shop', 'dependencies:', '  - name: base', `    registry_path: ${dep}`),
      );
    },
    code: SemconvErrorCode.FILES_REFUSED,
    message: /fifo-dep: a file is not read: pipe\.yaml is a FIFO/,
  },
];

/** Runs `f`, which must throw a SemconvError with `code` within 2 s; returns it. */
async function refusedQuickly(f: () => Promise<unknown>, code: SemconvErrorCode, message: RegExp) {
  const started = performance.now();
  const rssBefore = process.memoryUsage().rss;
  const error = await f().then(
    () => undefined,
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  expect(error, 'refused').toBeInstanceOf(SemconvError);
  expect((error as SemconvError).code).toBe(code);
  expect((error as SemconvError).message).toMatch(message);
  expect(outcomeOf(error)).toMatchObject({ status: 422, exit: 1 });
  expect(ms, 'time in ms').toBeLessThan(2000);
  // /dev/zero once took the process from 0.76 to 2.4 GB
  expect(process.memoryUsage().rss - rssBefore, 'memory growth').toBeLessThan(256 * MiB);
  return error as SemconvError;
}

const dirs: Record<string, string> = {};

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'weavergen-hardening-'));
  outside = join(base, 'outside');
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'secret.yaml'), yaml('groups: []', '# the secret: 42'));
  for (const a of ATTACKS) dirs[a.name] = await registry(a.name, a.setup);
});

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe('loadRegistry and registryContentHash refuse hostile registries quickly', () => {
  for (const a of ATTACKS) {
    it(`${a.name}: ${a.code}, within 2 s and bounded memory`, async () => {
      const e = await refusedQuickly(() => loadRegistry(dirs[a.name]), a.code, a.message);
      if (e.type.code === SemconvErrorCode.FILES_REFUSED) expect(e.type.files.length).toBeGreaterThan(0);
      if (a.hashes) expect(await registryContentHash(dirs[a.name])).toMatch(/^[0-9a-f]{64}$/);
      else await refusedQuickly(() => registryContentHash(dirs[a.name]), a.code, a.message);
    });
  }

  it('an unreadable file (chmod 000) is refused: FILES_REFUSED, 422, not a 500', async () => {
    const dir = await registry('unreadable', async (d) => {
      await writeFile(join(d, 'locked.yaml'), VALID.replaceAll('shop', 'locked'));
      await chmod(join(d, 'locked.yaml'), 0o000);
    });
    // root reads whatever the mode says (CI runs as root): the load then runs in a child without that power
    const seen = isRoot ? await loadWithoutOverride(dir) : await loadHere(dir);
    expect(seen.code).toBe(SemconvErrorCode.FILES_REFUSED);
    expect(seen.message).toMatch(/locked\.yaml cannot be read: permission denied/);
    expect(seen.status).toBe(422);
  });

  it('a FIFO never occupies the worker threads: other reads go on, and the FIFO was never opened', async () => {
    // more loads at once than libuv has worker threads (4): each once held a thread forever
    await Promise.all(
      Array.from({ length: 6 }, () =>
        refusedQuickly(() => loadRegistry(dirs.fifo), SemconvErrorCode.FILES_REFUSED, /FIFO/),
      ),
    );
    const started = performance.now();
    expect(await readFile(join(dirs.fifo, 'shop.yaml'), 'utf8')).toBe(VALID);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a link to a regular file inside the registry is followed; the registry loads clean', async () => {
    const dir = await registry('inner-link', async (d) => {
      await mkdir(join(d, 'shared'));
      await writeFile(join(d, 'shared', 'common.txt'), VALID.replaceAll('shop', 'common'));
      await symlink(join(d, 'shared', 'common.txt'), join(d, 'common.yaml'));
    });
    const r = await loadRegistry(dir);
    expect(r.errors).toBe(0);
    expect(r.registry.attributes.map((a) => a.key).sort()).toEqual(['common.name', 'shop.name']);
    expect(await registryContentHash(dir)).toBe(r.contentHash);
  });
});

describe('the HTTP API answers 422 for each, never 5xx, and keeps answering /v1/health', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { shutdownGraceMs: 2000 });
  });
  afterAll(async () => {
    if (!h) return;
    // a FIFO once held a worker thread until someone wrote to it, and the stop waited past its grace period
    const started = performance.now();
    await h.stop();
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  const healthy = async () => {
    const started = performance.now();
    const res = await h.call('/v1/health', { auth: true });
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe('ok');
    expect(performance.now() - started).toBeLessThan(1000);
  };

  for (const a of ATTACKS) {
    it(`${a.name}: POST /v1/registry/check -> 422, POST /v1/generate -> a failed generation with a 422 code`, async () => {
      const check = await h.call('/v1/registry/check', { auth: true, json: { path: dirs[a.name] } });
      const text = await check.text();
      expect(check.status, text).toBe(422);
      const body = JSON.parse(text);
      expect(body.error.code).toBe('REGISTRY_UNREADABLE');
      expect(body.error.details).toEqual({ semconvCode: a.code });
      expect(body.error.message).toMatch(a.message);
      await healthy();

      const gen = await h.call('/v1/generate', {
        auth: true,
        json: { registry: dirs[a.name], languages: ['typescript'], validate: false },
      });
      expect(gen.status).toBe(202);
      const { links } = await gen.json();
      const { events, ended } = await readSse(await h.call(links.events, { auth: true }), 30_000);
      expect(ended).toBe(true);
      const { record } = events.at(-1)!.data as Extract<GenerationEvent, { type: 'result' }>;
      expect(record.status).toBe('failed');
      expect(record.errorCode).toBe(a.code);
      expect(record.error).toMatch(a.message);
      // the code the CLI exits by and the API reports a failed generation's error with
      expect(ERROR_OUTCOMES[a.code]).toEqual({ exit: 1, status: 422 });
      await healthy();
    });
  }
});
