import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../../node/api/index.js';
import { loadConfig } from '../../../node/config.js';
import { closeRenderPool } from '../../../node/generation/index.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { createPack, type Pack } from '../../../node/packs/index.js';
import { PATTERN_TOPIC } from '../../../protocols/index.js';
import type { Json } from '../api/harness.js';
import { startNode, type TestNode } from '../network/harness.js';

/**
 * Issue 13, item 4: packs from a peer that would hurt the node are refused at install with a reason,
 * and the node keeps serving. The hostile peer is a bare network node (no checks of its own): it
 * announces and serves whatever it is given. The victim is a whole node, asked through its API.
 */
const CANDIDATE_MS = 2_000;

let hostile: TestNode;
let node: WeaverNode;
let server: ApiServer;
let home: string;

async function call(path: string, json?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.url}${path}`, {
    method: json === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  return { status: res.status, body: await res.json() };
}

/** A one-file TypeScript pack (or `language`) whose template is `template`, written to `output`. */
function hostilePack(name: string, template: string, output = 'index.ts', language = 'typescript'): Pack {
  const manifest = [
    `name: ${name}`,
    'version: 1.0.0',
    `language: ${language}`,
    `description: ${name}`,
    'license: MIT',
    'files:',
    `  - { template: main.liquid, output: ${JSON.stringify(output)} }`,
  ].join('\n');
  return createPack(manifest, { 'main.liquid': template }, 'hostile');
}

const HOSTILE: { name: string; pack: Pack; check: string; message: RegExp }[] = [
  {
    name: 'endless loop',
    pack: hostilePack(
      'hostile-loop',
      '{% for i in (1..100000000) %}{% for a in registry.attributes %}{% assign k = a.key %}{% endfor %}{% endfor %}',
    ),
    check: 'render-limit',
    message: /rendering the example registry failed/,
  },
  {
    name: 'huge output',
    pack: hostilePack(
      'hostile-output',
      '{% capture s %}xxxxxxxxxxxxxxxx{% endcapture %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s }}',
    ),
    check: 'render-limit',
    message: /rendering the example registry failed/,
  },
  {
    name: 'prototype access',
    pack: hostilePack('hostile-proto', '{{ registry.constructor.constructor }}\nexport const x = 1;\n'),
    check: 'prototype-access',
    message: /main\.liquid line 1 reads `constructor`/,
  },
  {
    name: 'an output path leaving the folder',
    pack: hostilePack('hostile-path', 'export const x = 1;\n', '../../escaped.ts'),
    check: 'output-path',
    message: /rendering the example registry failed/,
  },
  {
    name: 'a manifest lying about its language',
    pack: hostilePack('hostile-lang', 'def attributes():\n    return {"http.method": 1}\n', 'attributes.ts'),
    check: 'compile',
    message: /does not compile with tsc/,
  },
];

beforeAll(async () => {
  hostile = await startNode();
  home = await mkdtemp(join(tmpdir(), 'weavergen-hostile-packs-'));
  const config = await loadConfig(
    {
      home,
      api: { port: 0 },
      network: { bootstrap: hostile.net.addresses(), share: 'all' },
      generation: { render: { candidateMs: CANDIDATE_MS, generationMs: 4 * CANDIDATE_MS, heapMb: 256 } },
    },
    {},
  );
  node = await createNode(config);
  server = await startApiServer(node, { port: 0 });
  for (const h of HOSTILE) await hostile.net.announcePattern(h.pack);
  // announcements made before the mesh formed are lost: announce until the victim has them all
  for (let i = 0; i < 100; i++) {
    const known = (await call('/v1/patterns?q=hostile')).body.patterns.length;
    if (known >= HOSTILE.length) break;
    if ((node.peers().stats?.topics[PATTERN_TOPIC]?.mesh ?? 0) >= 1 && i % 10 === 9)
      for (const h of HOSTILE) await hostile.net.announcePattern(h.pack);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  await node?.stop();
  await hostile?.close();
  await closeRenderPool();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('hostile packs are refused at install, and the node keeps serving', () => {
  it('the victim heard every hostile announcement (they are searchable, unverified)', async () => {
    const { body } = await call('/v1/patterns?q=hostile');
    expect(body.patterns.map((p: { name: string }) => p.name).sort()).toEqual(
      HOSTILE.map((h) => h.pack.manifest.name).sort(),
    );
    expect(body.patterns.every((p: { verified: boolean }) => !p.verified)).toBe(true);
  });

  for (const h of HOSTILE)
    it(`${h.name}: PACK_REFUSED (${h.check}); health answers meanwhile`, async () => {
      let slowest = 0;
      let polling = true;
      const poll = (async () => {
        while (polling) {
          const t0 = performance.now();
          const r = await fetch(`${server.url}/v1/health`);
          expect(r.status).toBe(200);
          slowest = Math.max(slowest, performance.now() - t0);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const t0 = Date.now();
      const res = await call(`/v1/patterns/${h.pack.manifest.name}/install`, {});
      polling = false;
      await poll;
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.code).toBe('PACK_REFUSED');
      expect(res.body.error.details).toMatchObject({ pack: h.pack.manifest.name, check: h.check });
      expect(res.body.error.message).toMatch(h.message);
      expect(Date.now() - t0).toBeLessThan(4 * CANDIDATE_MS + 10_000);
      expect(slowest, 'worst /v1/health latency (ms)').toBeLessThan(1000);
    }, 60_000);

  it('nothing hostile was installed or became an arm; the node still generates with its own packs', async () => {
    expect((await call('/v1/patterns?installed=true')).body.patterns).toEqual([]);
    expect(await node.patterns.installedPacks()).toEqual([]);
    const gen = await call('/v1/generate', {
      registry: join(process.cwd(), 'examples', 'shop'),
      languages: ['typescript'],
      validate: false,
    });
    expect(gen.status).toBe(202);
    let record: Json;
    for (let i = 0; i < 300; i++) {
      record = (await call(`/v1/generations/${gen.body.id}`)).body;
      if (['succeeded', 'failed'].includes(record.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(record.status).toBe('succeeded');
    expect(record.languages[0].winner.arm.packName).toBe('typescript-semconv');
  }, 60_000);
});
