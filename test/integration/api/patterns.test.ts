import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCid } from '../../../marketplace/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import { type Harness, rejectionTally, startHarness } from './harness.js';

/**
 * The pattern routes with bad input: every rejection a JSON error with a code from the one table
 * (PACK_* for the packs, the API's own for the request), counted in /v1/health; never a 5xx.
 */
let h: Harness;
let temp: string;
let outside: string;
const { expected, rejected } = rejectionTally();
const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'packs', 'doc-ts');

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'weavergen-patterns-api-'));
  outside = await mkdtemp(join(tmpdir(), 'weavergen-patterns-outside-'));
  h = await startHarness({}, { outputRoots: [temp] });
});

afterAll(async () => {
  await h?.stop();
  await rm(temp, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function pack(root: string, name: string): Promise<string> {
  const dir = join(root, name);
  await cp(FIXTURE, dir, { recursive: true });
  const yaml = await readFile(join(dir, 'pack.yaml'), 'utf8');
  await writeFile(join(dir, 'pack.yaml'), yaml.replace(/^name: .*$/m, `name: ${name}`));
  return dir;
}

describe('GET /v1/patterns', () => {
  it('searches the built-in packs, by words, language (aliases too) and kind', async () => {
    const all = await (await h.call('/v1/patterns')).json();
    expect(all.patterns.map((p: { name: string }) => p.name).sort()).toEqual(
      (await builtinPacks()).map((p) => p.manifest.name).sort(),
    );
    const ts = await (await h.call('/v1/patterns?lang=ts&kind=template')).json();
    expect(ts.patterns.map((p: { name: string }) => p.name)).toEqual(['typescript-semconv']);
    expect(ts.patterns[0]).toMatchObject({ sources: ['builtin'], verified: true, installed: false });
    const words = await (await h.call('/v1/patterns?q=python%20constants')).json();
    expect(words.patterns.map((p: { name: string }) => p.name)).toEqual(['python-semconv']);
    expect((await (await h.call('/v1/patterns?installed=true')).json()).patterns).toEqual([]);
  });

  it('refuses bad queries with 400', async () => {
    for (const q of [
      'limit=0',
      'limit=501',
      'limit=x',
      'kind=other',
      'lang=TS!',
      'installed=yes',
      'q=a&q=b',
      'page=2',
    ])
      await rejected(await h.call(`/v1/patterns?${q}`), 400, 'INVALID_QUERY');
    await rejected(await h.call(`/v1/patterns?q=${'x'.repeat(201)}`), 400, 'INVALID_QUERY');
  });
});

describe('GET /v1/patterns/:id', () => {
  it('shows a pack by id or name; an unknown one is 404, a malformed id 400', async () => {
    const ts = (await builtinPacks()).find((p) => p.manifest.name === 'typescript-semconv')!;
    const byName = await (await h.call('/v1/patterns/typescript-semconv')).json();
    expect(byName).toMatchObject({ id: packCid(ts), verified: true });
    expect(byName.paramSpecs.doc_style.default).toBe('full');
    expect((await (await h.call(`/v1/patterns/${packCid(ts)}`)).json()).name).toBe('typescript-semconv');
    await rejected(await h.call('/v1/patterns/no-such-pack'), 404, 'PACK_NOT_FOUND', /no pack no-such-pack/);
    for (const bad of ['a_b', '-x', 'x'.repeat(201), '%00', 'a%2Fb'])
      await rejected(await h.call(`/v1/patterns/${bad}`), 400, 'INVALID_PARAM');
  });
});

describe('POST /v1/patterns (publish)', () => {
  it('publishes a pack folder inside the node folders: 201, kept and an arm here', async () => {
    const dir = await pack(temp, 'api-test-pack');
    const res = await h.call('/v1/patterns', { auth: true, json: { path: dir } });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/patterns/${body.pattern.id}`);
    // the harness's node has no peers: announced to nobody, still announced
    expect(body).toMatchObject({
      announced: true,
      recipients: 0,
      pattern: { published: true, installed: true },
    });
    expect(body.check).toMatchObject({ variants: 3, compile: { status: 'passed', tool: 'tsc' } });
    expect(body.announcement.publisher).toBe(h.node.peers().peerId);
    const listed = await (await h.call('/v1/patterns?installed=true')).json();
    expect(listed.patterns.map((p: { name: string }) => p.name)).toEqual(['api-test-pack']);
  });

  it('refuses a bad body, a folder outside the node folders or in its home, and an invalid pack', async () => {
    const json = (body: unknown, auth = true) => h.call('/v1/patterns', { auth, json: body });
    await rejected(await json({ path: temp }, false), 401, 'UNAUTHORIZED');
    await rejected(await json({ path: 'relative/pack' }), 400, 'INVALID_BODY', /absolute path/);
    await rejected(await json({}), 400, 'INVALID_BODY', /path: required/);
    await rejected(await json({ path: temp, extra: 1 }), 400, 'INVALID_BODY', /unknown field/);
    await rejected(await json({ path: 42 }), 400, 'INVALID_BODY');
    await rejected(
      await h.call('/v1/patterns', {
        method: 'POST',
        auth: true,
        body: '{"path":"/x"}',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await rejected(await json({ path: join(temp, 'missing') }), 404, 'PACK_NOT_FOUND');
    await rejected(
      await json({ path: await pack(outside, 'outside-pack') }),
      400,
      'PACK_BAD_PARAM',
      /outside the folders/,
    );
    await rejected(await json({ path: h.home }), 400, 'PACK_BAD_PARAM');
    await rejected(await json({ path: '/proc/self' }), 400, 'PACK_BAD_PARAM', /kernel file system/);
    const file = join(temp, 'file.txt');
    await writeFile(file, 'x');
    await rejected(await json({ path: file }), 400, 'PACK_BAD_PARAM', /not a pack folder/);
    const empty = join(temp, 'empty');
    await mkdir(empty, { recursive: true });
    await rejected(await json({ path: empty }), 404, 'PACK_NOT_FOUND', /no pack\.yaml/);
    const broken = await pack(temp, 'broken-pack');
    await writeFile(join(broken, 'pack.yaml'), 'name: [unclosed\n');
    await rejected(await json({ path: broken }), 422, 'PACK_INVALID_MANIFEST');
    const builtinName = await pack(temp, 'typescript-semconv');
    await rejected(await json({ path: builtinName }), 422, 'PACK_REFUSED', /name of a built-in pack/);
    const lying = await pack(temp, 'lying-pack');
    await writeFile(join(lying, 'templates', 'index.ts.liquid'), 'def attributes():\n    return 1\n');
    await rejected(
      await json({ path: lying }),
      422,
      'PACK_REFUSED',
      /\(compile\).*does not compile with tsc/,
    );
  });
});

describe('POST /v1/patterns/:id/install and /ratings', () => {
  it('install: a built-in pack is already there; unknown packs are 404, malformed ids 400', async () => {
    const ok = await h.call('/v1/patterns/typescript-semconv/install', { auth: true, json: {} });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ already: true, pattern: { name: 'typescript-semconv' } });
    await rejected(
      await h.call('/v1/patterns/no-such/install', { auth: true, json: {} }),
      404,
      'PACK_NOT_FOUND',
    );
    // a well-formed content id nobody announced or provides
    const nobody = packCid({ manifest: { name: 'nobody' }, templates: {} });
    await rejected(
      await h.call(`/v1/patterns/${nobody}/install`, { auth: true, json: {} }),
      404,
      'PACK_NOT_FOUND',
    );
    await rejected(await h.call('/v1/patterns/a_b/install', { auth: true, json: {} }), 400, 'INVALID_PARAM');
    await rejected(
      await h.call('/v1/patterns/typescript-semconv/install', { auth: true, json: { providers: ['x'] } }),
      400,
      'INVALID_BODY',
    );
    await rejected(
      await h.call('/v1/patterns/typescript-semconv/install', { auth: true, json: { from: 'me' } }),
      400,
      'INVALID_BODY',
    );
    await rejected(
      await h.call('/v1/patterns/typescript-semconv/install', { method: 'POST', auth: true }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await rejected(
      await h.call('/v1/patterns/typescript-semconv/install', { method: 'POST' }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('ratings: 1 to 5 stars on a known pack, signed by the node', async () => {
    const url = '/v1/patterns/python-semconv/ratings';
    const res = await h.call(url, { auth: true, json: { stars: 4, comment: 'good' } });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.rating).toMatchObject({
      v: 1,
      type: 'rating',
      stars: 4,
      comment: 'good',
      rater: h.node.peers().peerId,
    });
    expect(body.rating.sig).toMatch(/^[\w-]+$/);
    const shown = await (await h.call('/v1/patterns/python-semconv')).json();
    expect(shown.rating).toMatchObject({ stars: 4, comment: 'good' });
    for (const bad of [
      { stars: 0 },
      { stars: 6 },
      { stars: 2.5 },
      { stars: '5' },
      {},
      { stars: 3, x: 1 },
      { stars: 3, comment: 'x'.repeat(1001) },
    ])
      await rejected(await h.call(url, { auth: true, json: bad }), 400, 'INVALID_BODY');
    await rejected(
      await h.call('/v1/patterns/no-such/ratings', { auth: true, json: { stars: 3 } }),
      404,
      'PACK_NOT_FOUND',
    );
  });

  it('every rejection was counted in /v1/health', async () => {
    const health = await (await h.call('/v1/health')).json();
    for (const [reason, n] of Object.entries(expected)) expect(health.rejected[reason], reason).toBe(n);
  });
});
