import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../node/api/index.js';
import { loadConfig } from '../../node/config.js';
import { announce, NODE_START } from '../../node/home.js';
import { armsFor } from '../../node/jobs/arms.js';
import { createNode, type WeaverNode } from '../../node/node.js';
import { PATTERN_TOPIC } from '../../protocols/index.js';
import { cli } from '../helpers/cli.js';
import type { Json } from '../integration/api/harness.js';

/**
 * Issue 13's "done": a contributor publishes a pack on node A and a user on node B finds it, installs
 * it (fetched over libp2p, verified), generates with it (it is an arm of B) and rates it, through
 * the CLI and through the API. Two real nodes on loopback, network on, sharing all, short epoch.
 */
const EXAMPLE = join(process.cwd(), 'examples', 'shop');
const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'packs', 'doc-ts');

interface Running {
  home: string;
  node: WeaverNode;
  server: ApiServer;
  call(path: string, init?: { method?: string; json?: unknown }): Promise<{ status: number; body: Json }>;
}

let temp: string;
const running: Running[] = [];

async function start(name: string, bootstrap: string[] = []): Promise<Running> {
  const home = join(temp, name);
  const config = await loadConfig(
    {
      home,
      api: { port: 0 },
      // k 1 and little noise: one generation of A's is worth a digest B can rate a pack from
      network: {
        share: 'all',
        epochMs: 10_000,
        k: 1,
        epsilon: 100,
        budget: 1_000_000,
        bootstrap,
        listen: ['/ip4/127.0.0.1/tcp/0'],
      },
      // the pack folders live under the test's temp folder: the node may publish from there
      generation: { outputRoots: [temp] },
    },
    {},
  );
  const node = await createNode(config, { command: NODE_START });
  const server = await startApiServer(node, { port: 0 });
  // the CLI finds this node through its home, as it finds a `weavergen node start`
  await announce(home, { url: server.url, pid: process.pid, startedAt: Date.now(), command: NODE_START });
  const call: Running['call'] = async (path, init = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${node.token}`,
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
    return { status: res.status, body: await res.json() };
  };
  const r = { home, node, server, call };
  running.push(r);
  return r;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A copy of the doc-ts fixture pack under another name (and description). */
async function packFolder(name: string, description: string): Promise<string> {
  const dir = join(temp, 'packs', name);
  await cp(FIXTURE, dir, { recursive: true });
  const yaml = await readFile(join(dir, 'pack.yaml'), 'utf8');
  await writeFile(
    join(dir, 'pack.yaml'),
    yaml.replace(/^name: .*$/m, `name: ${name}`).replace(/^description: .*$/m, `description: ${description}`),
  );
  return dir;
}

let a: Running;
let b: Running;

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'weavergen-patterns-e2e-'));
  a = await start('a');
  b = await start('b', a.node.peers().addresses);
  // gossip reaches B once both are in each other's mesh on the pattern topic
  await until('A and B meshed on the pattern topic', () =>
    [a, b].every((n) => (n.node.peers().stats?.topics[PATTERN_TOPIC]?.mesh ?? 0) >= 1),
  );
}, 60_000);

afterAll(async () => {
  for (const r of running.reverse()) {
    await r.server.close();
    await r.node.stop();
  }
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe('a pack published on one node is found, installed, used and rated on another', () => {
  it('through the CLI', async () => {
    const dir = await packFolder(
      'community-docs-ts',
      'TypeScript constants with optional docs, by a contributor',
    );
    const published = await cli(['pack', 'publish', dir, '--home', a.home, '--json']);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    const p = JSON.parse(published.stdout);
    expect(p).toMatchObject({ announced: true, pattern: { name: 'community-docs-ts', published: true } });
    expect(p.recipients).toBeGreaterThanOrEqual(1);
    expect(p.check.compile.status).toBe('passed');
    const id: string = p.pattern.id;

    // B heard the announcement and kept it: search finds it (known from its signed announcement)
    await until(
      'B indexes the announcement',
      async () => (await b.call('/v1/patterns?q=community-docs')).body.patterns.length > 0,
    );
    const found = await cli(['pack', 'search', 'community', '--lang', 'ts', '--home', b.home]);
    expect(found.code).toBe(0);
    expect(found.stdout).toContain(id);
    expect(found.stdout).toMatch(/community-docs-ts\s+1\.0\.0\s+typescript\s+\?\s+announced\s+no/);

    const installed = await cli(['pack', 'install', id, '--home', b.home]);
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain(`installed community-docs-ts 1.0.0 (typescript) ${id}`);
    expect(installed.stdout).toContain(
      `fetched from ${a.node.peers().peerId}; content id and publisher signature verified`,
    );
    expect(installed.stdout).toMatch(/compiled with tsc: passed/);

    // it is an arm of B now, beside the built-in pack (which stays the incumbent)
    const { arms } = await armsFor('typescript', undefined, [], true, await b.node.patterns.installedPacks());
    expect(arms.filter((x) => x.packId === id).length).toBe(3);
    expect(arms.find((x) => x.isDefault)?.packName).toBe('typescript-semconv');

    const generated = await cli([
      'generate',
      EXAMPLE,
      '--lang',
      'ts',
      '--pack',
      'community-docs-ts',
      '--json',
      '--home',
      b.home,
    ]);
    expect(generated.code, generated.stderr).toBe(0);
    const record = JSON.parse(generated.stdout);
    expect(record.generation.status).toBe('succeeded');
    expect(record.languages[0].pack.name).toBe('community-docs-ts');
    expect(record.languages[0].validation.status).toBe('passed');

    const rated = await cli(['pack', 'rate', id, '5', '--comment', 'just what we needed', '--home', b.home]);
    expect(rated.code, rated.stderr).toBe(0);
    expect(rated.stdout).toMatch(/rated community-docs-ts 1\.0\.0 5\/5/);
    const listed = await cli(['pack', 'list', '--home', b.home, '--json']);
    const mine = JSON.parse(listed.stdout).find((x: { id: string }) => x.id === id);
    expect(mine).toMatchObject({
      installed: true,
      verified: true,
      rating: { stars: 5, comment: 'just what we needed' },
    });
    expect(mine.local.n).toBeGreaterThanOrEqual(1);
    const shown = await cli(['pack', 'show', 'community-docs-ts', '--home', b.home]);
    expect(shown.stdout).toMatch(/your rating: \*{5} 5\/5 "just what we needed"/);
    expect(shown.stdout).toMatch(/publishers: 12D3/);
  }, 180_000);

  it('through the API', async () => {
    const dir = await packFolder('community-api-ts', 'TypeScript constants published over the API');
    const pub = await a.call('/v1/patterns', { json: { path: dir } });
    expect(pub.status, JSON.stringify(pub.body)).toBe(201);
    expect(pub.body).toMatchObject({ announced: true, pattern: { name: 'community-api-ts' } });
    const id: string = pub.body.pattern.id;

    await until(
      'B indexes it',
      async () => (await b.call('/v1/patterns?q=community-api&lang=typescript')).body.patterns.length > 0,
    );
    const search = await b.call('/v1/patterns?q=community-api&lang=ts');
    expect(search.body.patterns[0]).toMatchObject({
      id,
      verified: false,
      installed: false,
      sources: ['announced'],
    });
    // show fetches an announced pack to verify it, and says what it holds
    const show = await b.call(`/v1/patterns/${id}`);
    expect(show.status).toBe(200);
    expect(show.body).toMatchObject({
      id,
      verified: true,
      description: 'TypeScript constants published over the API',
    });
    expect(show.body.templates).toEqual(['index.ts.liquid']);

    const fetchedBefore = b.node.peers().stats?.packs.fetched ?? 0;
    const install = await b.call(`/v1/patterns/${id}/install`, { json: {} });
    expect(install.status, JSON.stringify(install.body)).toBe(200);
    expect(install.body).toMatchObject({ already: false, pattern: { installed: true, verified: true } });
    // show fetched it from A over libp2p and B keeps serving what it fetched: install used that
    // verified copy (the CLI test above installs straight from A)
    expect([a.node.peers().peerId, b.node.peers().peerId]).toContain(install.body.from);
    expect(fetchedBefore).toBeGreaterThanOrEqual(2);
    const again = await b.call(`/v1/patterns/${id}/install`, { json: {} });
    expect(again.body.already).toBe(true);

    const gen = await b.call('/v1/generate', {
      json: { registry: EXAMPLE, languages: ['typescript'], pack: id, out: join(temp, 'out-api') },
    });
    expect(gen.status, JSON.stringify(gen.body)).toBe(202);
    let record: Json;
    await until(
      'the generation ends',
      async () => {
        record = (await b.call(`/v1/generations/${gen.body.id}`)).body;
        return ['succeeded', 'failed'].includes(record.status);
      },
      60_000,
    );
    expect(record.status).toBe('succeeded');
    expect(record.languages[0].winner.arm.packName).toBe('community-api-ts');

    const rate = await b.call(`/v1/patterns/${id}/ratings`, { json: { stars: 3, comment: 'fine' } });
    expect(rate.status).toBe(201);
    expect(rate.body.rating).toMatchObject({
      cid: id,
      stars: 3,
      comment: 'fine',
      rater: b.node.peers().peerId,
    });
    const list = await b.call('/v1/patterns?installed=true');
    expect(list.body.patterns.map((x: { id: string }) => x.id)).toContain(id);

    // the network quality column of `pack list`: A, the publisher, generates with its pack too, and
    // once A's digest reaches B, B's installed entry rates the pack from it
    const genA = await a.call('/v1/generate', {
      json: { registry: EXAMPLE, languages: ['typescript'], pack: id, out: join(temp, 'out-api-a') },
    });
    expect(genA.status, JSON.stringify(genA.body)).toBe(202);
    const peerA = a.node.peers().peerId;
    let entry: Json;
    await until(
      "A's digest rates the pack at B",
      async () => {
        const installed = (await b.call('/v1/patterns?installed=true')).body.patterns as Json[];
        entry = installed.find((x) => x.id === id);
        return (entry?.network?.n ?? 0) > 0;
      },
      60_000,
    );
    expect(entry.network.peers).toBeGreaterThanOrEqual(1);
    expect(entry.network.mean).toBeGreaterThan(0);
    expect(b.node.peers().peers.find((p) => p.id === peerA)?.lastDigestEpoch).toBeDefined();
  }, 240_000);
});
