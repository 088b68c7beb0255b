import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, type ClientRequest, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PrivateKey, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFrame } from '../../../node/network/frames.js';
import { createPeerKey, peerIdOfKey, type WeaverLibp2p } from '../../../node/network/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import {
  cidOfBytes,
  DIGEST_SYNC_PROTOCOL,
  DIGEST_TOPIC,
  DIGEST_VERSION,
  encodeCanonical,
  LIMITS,
  PACK_PROTOCOL,
  PATTERN_TOPIC,
  sign,
} from '../../../protocols/index.js';
import {
  countFromEnv,
  createRng,
  deepNesting,
  deriveSeed,
  encodeJson,
  excerpt,
  type FuzzValue,
  fromSchema,
  headerValue,
  hex,
  type JsonSchema,
  mutate,
  mutateText,
  obj,
  type Rng,
  randomValue,
  type SchemaContext,
  seedFromEnv,
  toFuzz,
  weirdKey,
  weirdNumber,
  weirdString,
} from '../../helpers/fuzz.js';
import { type HealthPolled, startHealthPoller } from '../../helpers/health-poller.js';
import { type Harness, type Json, MINI_REGISTRY, startHarness } from '../api/harness.js';
import { startRawNode } from '../network/harness.js';

/**
 * Issue 11: a seeded, bounded fuzz of everything a node takes from outside.
 * 1. every route of the node's own OpenAPI document (read at run time), with its method and others:
 *    path, query, header and body values from a seeded PRNG; no 5xx, a JSON error with a code for
 *    every 4xx, and every 4xx counted in /v1/health `rejected`;
 * 2. a poller on /v1/health every 100 ms throughout: the worst latency stays under 1 s;
 * 3. raw libp2p peers publish garbage on both topics, open the catch-up and pack protocols with
 *    garbage frames and serve garbage when the node catches up from them: the node stays up and
 *    counts rejections against each of them in GET /v1/peers.
 * Replay: WEAVERGEN_FUZZ_SEED=<seed> (WEAVERGEN_FUZZ_CASES=3,17 for some API cases only);
 * bounds: WEAVERGEN_FUZZ_REQUESTS (600), WEAVERGEN_FUZZ_MESSAGES (500).
 */
const SEED = seedFromEnv('WEAVERGEN_FUZZ_SEED', 0x11f0220b);
const REQUESTS = countFromEnv('WEAVERGEN_FUZZ_REQUESTS', 600);
const MESSAGES = countFromEnv('WEAVERGEN_FUZZ_MESSAGES', 500);
const ONLY = process.env.WEAVERGEN_FUZZ_CASES?.split(',')
  .filter((s) => s.trim())
  .map(Number);
/** WEAVERGEN_FUZZ_TRACE=1 prints every request and its answer */
const TRACE = process.env.WEAVERGEN_FUZZ_TRACE === '1';
const CONCURRENCY = Number(process.env.WEAVERGEN_FUZZ_CONCURRENCY ?? 4);
const REQUEST_TIMEOUT_MS = 15_000;
const HEALTH_BOUND_MS = 1000;
const POLL_MS = 100;

const log = (line: string) => console.log(`[fuzz seed=${hex(SEED)}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let h: Harness;
let temp: string;
/** the API fuzz's requests and answers, to name those in flight when a health poll was slow */
let apiRun: { cases: FuzzCase[]; outcomes: Outcome[] } = { cases: [], outcomes: [] };
let poller: Poller;
/** /v1/health polled from another process in each phase (the in-process poller shares the event loop) */
const outside: Record<string, HealthPolled> = {};
/** what the test made, for values that name folders and files */
const fixture = {
  registry: '',
  empty: '',
  file: '',
  garbage: [] as string[],
  garbagePack: '',
  /** a folder that never exists: mutated paths are moved below it */
  missing: '',
  packNames: [] as string[],
  /** a generation that finished before the fuzz: its id, trace id and files */
  generationId: '',
  traceId: '',
  files: [] as string[],
};

beforeAll(async () => {
  h = await startHarness(
    {},
    // no grace at stop for what the fuzz queued; a queue that holds a burst of valid requests
    { shutdownGraceMs: 0 },
    undefined,
    // writes are not rate limited here (a 429 would hide what the body checks do); see api.test.ts
    { rateLimit: { perMinute: 100_000, burst: 10_000 } },
  );
  temp = await mkdtemp(join(tmpdir(), 'weavergen-fuzz-'));
  fixture.registry = join(temp, 'registry');
  await cp(MINI_REGISTRY, fixture.registry, { recursive: true });
  fixture.empty = join(temp, 'empty');
  await mkdir(fixture.empty);
  fixture.file = join(temp, 'file.yaml');
  await writeFile(fixture.file, 'groups: []\n');
  fixture.missing = join(temp, 'missing');
  fixture.garbage = await writeGarbageRegistries(createRng(deriveSeed(SEED, 'registries')));
  fixture.garbagePack = join(temp, 'garbage-pack');
  await mkdir(join(fixture.garbagePack, 'templates'), { recursive: true });
  await writeFile(join(fixture.garbagePack, 'pack.yaml'), 'name: [unclosed\nfiles: {{\n');
  await writeFile(join(fixture.garbagePack, 'templates', 'x.liquid'), '{% for %}{{ x | y: }}');
  fixture.packNames = (await builtinPacks()).map((p) => p.manifest.name);

  const res = await h.call('/v1/generate', {
    auth: true,
    json: { registry: fixture.registry, languages: ['typescript'], validate: false },
  });
  expect(res.status).toBe(202);
  fixture.generationId = (await res.json()).id;
  for (let i = 0; i < 600; i++) {
    const r = await h.node.generation(fixture.generationId);
    if (r && ['succeeded', 'failed', 'cancelled'].includes(r.status)) {
      fixture.traceId = r.traceId ?? '';
      break;
    }
    await sleep(100);
  }
  const files = await (await h.call(`/v1/generations/${fixture.generationId}/files`)).json();
  fixture.files = (files.files ?? []).map((f: { path: string }) => f.path);
  poller = startPoller(h.url);
});

afterAll(async () => {
  await poller?.stop();
  await Promise.allSettled(raws.map((r) => r.stop()));
  await h?.stop();
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe(`fuzz (seed ${hex(SEED)})`, () => {
  it(`the API: ${REQUESTS} seeded requests over every documented route; no 5xx, every 4xx a JSON error, every rejection counted`, async () => {
    poller.phase = 'api';
    const away = await startHealthPoller(h.url, h.token);
    const doc = await (await h.call('/openapi.json')).json();
    const routes = routesOf(doc);
    expect(routes.length).toBeGreaterThan(5);
    const ctx = schemaContext(doc);
    const indexes = ONLY ?? Array.from({ length: REQUESTS }, (_, i) => i);
    const cases = indexes.map((i) => makeCase(i, routes, ctx));

    const beforeByReason: Record<string, number> = (await (await h.call('/v1/health')).json()).rejected;
    const before = sum(beforeByReason);
    const t0 = Date.now();
    const outcomes = await runAll(cases, CONCURRENCY);
    apiRun = { cases, outcomes };
    const elapsed = Date.now() - t0;
    outside.api = await away.stop();
    const afterByReason: Record<string, number> = (await (await h.call('/v1/health')).json()).rejected;
    const after = sum(afterByReason);

    const failures: string[] = [];
    const byStatus: Record<string, number> = {};
    const byCode: Record<string, number> = {};
    let errorAnswers = 0;
    let headErrors = 0;
    for (const [k, c] of cases.entries()) {
      const o = outcomes[k];
      byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
      if (o.status >= 400) errorAnswers++;
      if (o.status >= 400 && c.method === 'HEAD') headErrors++;
      if (o.code) byCode[o.code.toLowerCase()] = (byCode[o.code.toLowerCase()] ?? 0) + 1;
      const p = o.previous === undefined ? -1 : cases.findIndex((x) => x.index === o.previous);
      for (const problem of check(c, o))
        failures.push(describeFailure(c, o, problem, p >= 0 ? [cases[p], outcomes[p]] : undefined));
    }
    const grew = after - before;
    if (grew !== errorAnswers) {
      const delta: Record<string, number> = {};
      for (const k of new Set([...Object.keys(afterByReason), ...Object.keys(beforeByReason)]))
        delta[k] = (afterByReason[k] ?? 0) - (beforeByReason[k] ?? 0);
      failures.push(
        `rejected in /v1/health grew by ${grew}, but ${errorAnswers} answers were 4xx/5xx: counted by reason ${JSON.stringify(delta)}, answered by code ${JSON.stringify(byCode)} (+${headErrors} HEAD without a body)`,
      );
    }
    // a body with __proto__ / constructor.prototype keys must not reach Object.prototype
    if ('wgFuzzPolluted' in Object.prototype) failures.push('Object.prototype was polluted (wgFuzzPolluted)');

    const covered = new Map<string, Set<string>>();
    for (const c of cases) {
      if (!c.route) continue;
      const set = covered.get(c.route.path) ?? new Set();
      set.add(c.route.methods.includes(c.method) ? 'documented' : 'other');
      covered.set(c.route.path, set);
    }
    log(
      `API: ${cases.length} requests in ${elapsed} ms over ${routes.length} routes; by status ${JSON.stringify(byStatus)}; 4xx/5xx ${errorAnswers}; rejected grew by ${grew}; by code ${JSON.stringify(byCode)}`,
    );
    for (const f of failures) log(`FAIL ${f}`);
    expect(failures, failures.join('\n')).toEqual([]);
    if (!ONLY) {
      // valid generation requests over garbage registries were accepted: the generation path was fuzzed
      expect(byStatus[202] ?? 0, 'generations accepted').toBeGreaterThan(0);
      // every route with its documented method and with another one
      for (const r of routes)
        expect([...(covered.get(r.path) ?? [])].sort(), r.path).toEqual(['documented', 'other']);
    }
  });

  it(`gossip and catch-up: ${MESSAGES} seeded garbage messages and garbage frames from raw peers; the node stays up and counts them per peer`, async () => {
    poller.phase = 'network';
    const away = await startHealthPoller(h.url, h.token);
    const rng = createRng(deriveSeed(SEED, 'network'));
    const info = await (await h.call('/v1/peers')).json();
    expect(info.peerId, 'the node runs its network').toBeTruthy();
    const target = { id: info.peerId as string, address: (info.addresses as string[])[0] };
    const t0 = Date.now();

    // three raw peers; each serves garbage when the node catches up from it (once per connection)
    const plans = ['frames', rng.pick(SYNC_PLANS), rng.pick(SYNC_PLANS)] as const;
    const peers: { node: WeaverLibp2p; key: PrivateKey; plan: string; served: number }[] = [];
    for (const plan of plans) {
      const key = await createPeerKey();
      const node = await startRawNode([], key);
      raws.push(node);
      // only the first relays gossip: what the others are counted for comes from catching up alone
      if (peers.length > 0)
        for (const t of [DIGEST_TOPIC, PATTERN_TOPIC]) node.services.pubsub.unsubscribe(t);
      const planRng = createRng(deriveSeed(SEED, 'sync', peers.length));
      const peer = { node, key, plan, served: 0 };
      await node.handle(
        DIGEST_SYNC_PROTOCOL,
        (stream) => {
          peer.served++;
          return serveGarbage(stream, plan, planRng, key);
        },
        { maxInboundStreams: 4 },
      );
      peers.push(peer);
    }
    for (const p of peers) await meshWith(p.node, target.id, target.address);
    const [a] = peers;
    const aid = a.node.peerId.toString();
    await sleep(300);

    // another author: peer 0 relays messages it signed (accepted ones count for their author)
    const other = await createPeerKey();
    const oid = peerIdOfKey(other);
    // what the node counted of the first peer's gossip so far (catching up from it at connect included)
    const gossipCounted = async () => {
      const list = (await (await h.call('/v1/peers')).json()).peers as {
        id: string;
        digests: number;
        patterns: number;
        rejected: Record<string, number>;
      }[];
      const p = list.find((x) => x.id === aid);
      const o = list.find((x) => x.id === oid);
      const rejected = Object.entries(p?.rejected ?? {}).filter(([k]) => /^(digests|patterns):/.test(k));
      const accepted = (p?.digests ?? 0) + (p?.patterns ?? 0) + (o?.digests ?? 0) + (o?.patterns ?? 0);
      return accepted + rejected.reduce((n, [, v]) => n + v, 0);
    };
    const settled = async (read: () => Promise<number>) => {
      let last = await read();
      for (let since = Date.now(), end = Date.now() + 15_000; Date.now() < end; ) {
        await sleep(250);
        const now = await read();
        if (now !== last) [last, since] = [now, Date.now()];
        else if (Date.now() - since > 1500) break;
      }
      return last;
    };
    const countedBefore = await settled(gossipCounted);

    // gossip: MESSAGES garbage messages from the first peer on both topics
    const sent: Record<string, number> = {};
    let publishErrors = 0;
    // gossipsub drops a message whose bytes it has seen (its id is their hash) before validating it
    const published = new Set<string>();
    let duplicates = 0;
    const replays: Uint8Array[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const m = await garbageMessage(createRng(deriveSeed(SEED, 'gossip', i)), a.key, other, replays);
      sent[`${m.topic === DIGEST_TOPIC ? 'digests' : 'patterns'}:${m.kind}`] =
        (sent[`${m.topic === DIGEST_TOPIC ? 'digests' : 'patterns'}:${m.kind}`] ?? 0) + 1;
      const id = createHash('sha256').update(m.bytes).digest('hex');
      const ok = await a.node.services.pubsub.publish(m.topic, m.bytes).then(
        () => true,
        () => false,
      );
      if (!ok) publishErrors++;
      else if (published.has(id)) duplicates++;
      else published.add(id);
      if (i % 10 === 9) await sleep(rng.int(5, 25));
      // a pause past gossipsub's score cache (1 s) halfway: by then peer 0's garbage has it scored
      // below the graylist threshold, and the rest of what it sends is dropped before the validator
      if (i === Math.floor(MESSAGES / 2)) await sleep(1500);
    }
    // every message that reached the node is counted: accepted, rejected, ignored (rate limits,
    // graylisting, which drops a low-scored peer's messages before the validator)
    const countedGossip = (await settled(gossipCounted)) - countedBefore;
    log(
      `network: gossip from peer 0: ${MESSAGES} sent, ${publishErrors} publish errors, ${duplicates} duplicates, ${countedGossip} counted`,
    );
    expect(countedGossip, 'gossip messages counted against their sender').toBe(published.size);
    const graylisted = (await (await h.call('/v1/peers')).json()).peers.find(
      (p: Json) => p.id === aid,
    )?.rejected;
    expect(
      (graylisted?.['digests:ignore:graylisted'] ?? 0) + (graylisted?.['patterns:ignore:graylisted'] ?? 0),
      'messages dropped by graylisting, counted',
    ).toBeGreaterThan(0);

    // streams: garbage requests on the pack and catch-up protocols from the first peer
    const opened = { ok: 0, refused: 0 };
    const streamPlans = Array.from({ length: 40 }, (_, i) => createRng(deriveSeed(SEED, 'stream', i)));
    await pool(streamPlans, 4, async (r) => {
      const protocol = r.chance(0.5) ? PACK_PROTOCOL : DIGEST_SYNC_PROTOCOL;
      const ok = await garbageStream(a.node, target.id, protocol, r);
      if (ok) opened.ok++;
      else opened.refused++;
    });

    // counts settle: nothing new for 1.5 s (at most 15 s)
    const rejectedOf = async () => {
      const body = await (await h.call('/v1/peers')).json();
      return body;
    };
    let last = -1;
    let stableSince = Date.now();
    let body: Json = {};
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      body = await rejectedOf();
      const total = sum(body.stats?.rejections ?? {});
      if (total !== last) {
        last = total;
        stableSince = Date.now();
      } else if (Date.now() - stableSince > 1500) break;
      await sleep(250);
    }
    const summaries = peers.map((p) =>
      (body.peers as { id: string; rejected: Record<string, number>; score?: number }[]).find(
        (s) => s.id === p.node.peerId.toString(),
      ),
    );
    log(
      `network: ${MESSAGES} gossip messages sent (${publishErrors} publish errors) by kind ${JSON.stringify(sent)}; streams opened ${opened.ok}, refused ${opened.refused}; ${Date.now() - t0} ms`,
    );
    for (const [i, p] of peers.entries())
      log(
        `network: peer ${i} (${p.plan}, caught up from ${p.served} times) score ${summaries[i]?.score?.toFixed?.(1)} rejected ${JSON.stringify(summaries[i]?.rejected)}`,
      );
    log(`network: node totals ${JSON.stringify(body.stats?.rejections)}`);

    outside.network = await away.stop();
    // still up: health answers fast, the network runs, a real request works
    const t1 = performance.now();
    const health = await h.call('/v1/health');
    const healthMs = performance.now() - t1;
    expect(health.status).toBe(200);
    expect((await health.json()).status).toBe('ok');
    expect(healthMs).toBeLessThan(HEALTH_BOUND_MS);
    expect(body.stats?.started).toBe(true);
    const checked = await h.call('/v1/registry/check', { auth: true, json: { path: fixture.registry } });
    expect(checked.status).toBe(200);
    // and a new peer's valid digest is still taken
    const honestKey = await createPeerKey();
    const honest = await startRawNode([], honestKey);
    raws.push(honest);
    await meshWith(honest, target.id, target.address);
    const hid = honest.peerId.toString();
    let taken = 0;
    for (let i = 0; i < 40 && taken < 1; i++) {
      if (i % 10 === 0)
        await honest.services.pubsub
          .publish(DIGEST_TOPIC, encodeCanonical(await sign('digest', digestOf(hid), honestKey)))
          .catch(() => undefined);
      await sleep(250);
      const list = (await (await h.call('/v1/peers')).json()).peers as { id: string; digests: number }[];
      taken = list.find((p) => p.id === hid)?.digests ?? 0;
    }
    expect(taken, 'a valid digest from a new peer, after the garbage').toBeGreaterThanOrEqual(1);

    // rejections counted against each garbage peer, on every channel it abused
    const problems: string[] = [];
    for (const [i, s] of summaries.entries()) {
      const total = sum(s?.rejected ?? {});
      if (total < 1)
        problems.push(`peer ${i} (${peers[i].plan}, ${peers[i].node.peerId}): no rejection counted`);
    }
    const keys = Object.keys(summaries[0]?.rejected ?? {});
    for (const channel of ['digests:', 'patterns:', 'packs:'])
      if (!keys.some((k) => k.startsWith(channel)))
        problems.push(`peer 0 (${aid}): nothing counted on ${channel} (${JSON.stringify(keys)})`);
    for (const p of problems) log(`FAIL ${p}`);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it(`responsiveness: GET /v1/health every ${POLL_MS} ms throughout answers within ${HEALTH_BOUND_MS} ms`, async () => {
    const samples = await poller.stop();
    const problems: string[] = [];
    for (const phase of ['api', 'network']) {
      const mine = samples.filter((s) => s.phase === phase);
      const ms = mine.map((s) => s.ms).sort((x, y) => x - y);
      const worst = mine.reduce((w, s) => (s.ms > w.ms ? s : w), {
        ms: 0,
        at: 0,
        start: 0,
        status: 0,
        phase,
      });
      const bad = mine.filter((s) => s.status !== 200);
      log(
        `health under ${phase} fuzz: ${mine.length} polls, worst ${worst.ms.toFixed(0)} ms (at +${worst.at} ms), p50 ${q(ms, 0.5)} ms, p99 ${q(ms, 0.99)} ms, not 200: ${bad.length}${phase === 'api' ? inFlight(worst) : ''}`,
      );
      if (mine.length === 0) problems.push(`no health poll during the ${phase} phase`);
      for (const slow of mine.filter((s) => s.ms >= HEALTH_BOUND_MS))
        problems.push(`${phase}: health took ${slow.ms.toFixed(0)} ms at +${slow.at} ms${inFlight(slow)}`);
      for (const b of bad.slice(0, 5)) problems.push(`${phase}: health answered ${b.status} at +${b.at} ms`);
      // the same from another process, whose timers a blocked node does not hold back
      const away = outside[phase];
      if (!away) continue;
      log(
        `health under ${phase} fuzz, polled from another process: ${away.polls} polls, worst ${away.worstMs.toFixed(0)} ms, failures ${away.failures.length}`,
      );
      if (away.worstMs >= HEALTH_BOUND_MS)
        problems.push(`${phase}: health took ${away.worstMs.toFixed(0)} ms (polled from another process)`);
      for (const f of away.failures.slice(0, 5)) problems.push(`${phase}: health from another process: ${f}`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

/** the API requests in flight while a health poll waited, and the generations accepted before it */
function inFlight(s: Sample): string {
  const { cases, outcomes } = apiRun;
  const lines: string[] = [];
  for (const [i, o] of outcomes.entries()) {
    if (!o) continue;
    const c = cases[i];
    const overlaps = o.start < s.start + s.ms && o.start + o.ms > s.start;
    const queued = o.status === 202 && o.start < s.start;
    if (overlaps || queued)
      lines.push(
        `    ${overlaps ? 'in flight' : 'accepted before (may run)'}: case ${c.index} ${c.method} ${c.url.slice(0, 100)} body ${excerpt(c.text ?? c.body, 200)} (${c.notes.slice(0, 4).join('; ')}) -> ${o.status} in ${o.ms.toFixed(0)} ms`,
      );
  }
  return lines.length ? `; the API fuzz then:\n${lines.join('\n')}` : '';
}

// ---------------------------------------------------------------------------------------------
// The API fuzz

interface Route {
  /** OpenAPI path, e.g. /v1/generations/{id} */
  path: string;
  methods: string[];
  /** parameters of its operations (path, query, header) */
  params: { name: string; in: string; schema: JsonSchema; style?: string }[];
  /** the JSON body schema, when an operation takes one */
  body?: JsonSchema;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const BODY_METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

function routesOf(doc: Json): Route[] {
  return Object.entries(doc.paths as Record<string, Record<string, Json>>).map(([path, ops]) => {
    const methods = Object.keys(ops).map((m) => m.toUpperCase());
    const params = new Map<string, Route['params'][number]>();
    let body: JsonSchema | undefined;
    for (const op of Object.values(ops)) {
      for (const p of op.parameters ?? []) params.set(`${p.in}:${p.name}`, p);
      body ??= op.requestBody?.content?.['application/json']?.schema;
    }
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
    return { path, methods, params: [...params.values()], body };
  });
}

interface FuzzCase {
  index: number;
  route?: Route;
  method: string;
  /** path and query, encoded */
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** the body as text, for the report */
  text?: string;
  auth: string;
  notes: string[];
}

const PROTO = '__proto__';
const CONSTRUCTOR = 'constructor';
const PATH_FIELDS = new Set(['registry', 'out', 'path', 'pack']);

function schemaContext(doc: Json): SchemaContext {
  return {
    components: doc.components?.schemas ?? {},
    isPathField: (field, schema) =>
      PATH_FIELDS.has(field) || /\b(path|folder|directory)\b/i.test(String(schema?.description ?? '')),
    pathValue: (rng, field) => pathValue(rng, field),
    confine,
  };
}

/** A path value: the test's own folders and files, paths below a missing folder, relative ones, NUL. */
function pathValue(rng: Rng, field: string): string {
  const { registry, empty, file, garbage, garbagePack, missing, packNames } = fixture;
  const everywhere = [
    registry,
    `${registry}/`,
    `${registry}/./`,
    empty,
    file,
    ...garbage,
    join(missing, 'x'),
    join(
      missing,
      weirdString(rng)
        .replace(/[/\\]|\.\./g, '_')
        .slice(0, 3000),
    ),
    `${registry}\u0000/x`,
    'relative/registry',
    '',
    join(missing, 'a'.repeat(rng.pick([255, 256, 5000]))),
  ];
  if (field === 'out')
    return rng.pick([
      join(h.home, 'out', `fuzz-${rng.int(0, 9)}`),
      join(
        h.home,
        'out',
        weirdString(rng)
          .replace(/[/\\]|\.\./g, '_')
          .slice(0, 200) || 'x',
      ),
      join(h.home, 'db'),
      h.home,
      join(h.home, 'token'),
      ...everywhere,
    ]);
  if (field === 'pack') return rng.pick([...packNames, garbagePack, registry, ...everywhere, 'no-such-pack']);
  return rng.pick(everywhere);
}

/** A mutated path string, moved below the missing folder so it names nothing outside the test's folders. */
function confine(value: string): string {
  if (value === '' || value.length > 5000) return value.slice(0, 5000);
  const safe = value.replace(/[/\\]/g, '_').replace(/\.\./g, '__');
  // relative values are refused before any file is looked at, except a pack name: make it a missing folder's
  return isAbsolute(value) ? join(fixture.missing, safe) : `wg-fuzz-missing-${safe}`;
}

/** the valid bodies the document's request schemas are fuzzed from (unknown schemas: built from the schema) */
function validBody(rng: Rng, schema: JsonSchema, ctx: SchemaContext): FuzzValue {
  const name = String(schema.$ref ?? '').replace('#/components/schemas/', '');
  if (name === 'GenerationRequest')
    return toFuzz({
      // a valid request over a garbage registry (or now and then a garbage pack): accepted (202) and
      // run, so what a stranger's registry does to the generation path is fuzzed too
      registry: rng.chance(0.5) ? fixture.registry : rng.pick(fixture.garbage),
      ...(rng.chance(0.1) ? { pack: fixture.garbagePack } : {}),
      languages: [
        rng.weighted([
          [6, 'typescript'],
          [1, 'python'],
          [1, 'go'],
        ]),
      ],
      validate: false,
      ...(rng.chance(0.2) ? { candidates: rng.int(1, 2) } : {}),
      ...(rng.chance(0.2) ? { out: join(h.home, 'out', `fuzz-${rng.int(0, 9)}`) } : {}),
      ...(rng.chance(0.1) ? { allowErrors: true } : {}),
      ...(rng.chance(0.1) ? { models: ['builtin'] } : {}),
    });
  if (name === 'TaskRequest')
    return toFuzz({
      description: 'add two numbers',
      language: rng.pick(['typescript', 'python', 'go', 'rust', 'java']),
      tests: [
        { path: 'sum.test.ts', content: "import { sum } from './sum';\nif (sum(1, 2) !== 3) throw 1;\n" },
      ],
      ...(rng.chance(0.3) ? { maxRounds: rng.int(1, 5) } : {}),
    });
  if (name === 'RegistryCheckRequest')
    return toFuzz({ path: rng.pick([fixture.registry, ...fixture.garbage]) });
  return fromSchema(rng, schema, ctx);
}

function makeCase(index: number, routes: Route[], ctx: SchemaContext): FuzzCase {
  const rng = createRng(deriveSeed(SEED, 'api', index));
  const notes: string[] = [];
  // a sweep first: every route with its documented method, then with another; then at random
  const sweep = index < routes.length * 2;
  const route = sweep
    ? routes[index % routes.length]
    : rng.weighted(routes.map((r) => [r.body ? 4 : 1, r] as const));
  let method: string;
  const documented = sweep ? index < routes.length : rng.chance(0.75);
  if (documented) method = rng.pick(route.methods);
  else method = rng.pick(METHODS.filter((m) => !route.methods.includes(m)));

  // path: the route's, its parameters filled in; now and then a path next to it that is no route
  let path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => pathParam(rng, name, notes));
  if (!sweep && rng.chance(0.06)) {
    path = nearPath(rng, path);
    notes.push('no such route');
  }
  const query = queryOf(rng, route, notes);
  const url = query ? `${path}?${query}` : path;

  const headers: Record<string, string> = {};
  const auth = rng.weighted<string>([
    [65, 'right'],
    [15, 'none'],
    [12, 'wrong'],
    [8, 'malformed'],
  ]);
  if (auth !== 'none') headers.authorization = authHeader(rng, auth);
  for (const p of route.params.filter((p) => p.in === 'header')) {
    if (!rng.chance(0.4)) continue;
    headers[p.name.toLowerCase()] = rng.weighted<string>([
      [5, `fuzz-${index}`],
      [2, 'fuzz-shared-key'],
      [3, headerValue(rng)],
    ]);
  }

  const c: FuzzCase = { index, route, method, url, headers, auth, notes };
  if (BODY_METHODS.has(method) && (route.body || rng.chance(0.5))) addBody(rng, c, route, ctx);
  return c;
}

function addBody(rng: Rng, c: FuzzCase, route: Route, ctx: SchemaContext): void {
  const limit = h.node.config.api.bodyLimitBytes;
  const schema = route.body ?? {};
  const valid = () => validBody(rng, schema, ctx);
  // a generation request is sent valid more often: accepted (202), its garbage registry or pack
  // goes down the generation path (the registry load, rendering, writing)
  const generation = String(schema.$ref ?? '').endsWith('/GenerationRequest');
  const kind = rng.weighted<string>([
    [route.body ? 45 : 0, 'mutated'],
    [route.body ? (generation ? 60 : 8) : 0, 'valid'],
    [6, 'from-schema'],
    [8, 'text-mutated'],
    [4, 'deep'],
    [2, 'over-limit'],
    [1, 'at-limit'],
    [3, 'empty'],
    [4, 'not-an-object'],
    [3, 'bytes'],
    [3, 'proto'],
    [4, 'random'],
  ]);
  let text: string | undefined;
  let bytes: Uint8Array | undefined;
  switch (kind) {
    case 'mutated': {
      const m = mutate(rng, valid(), schema, ctx);
      text = encodeJson(m.value);
      c.notes.push(...m.notes);
      break;
    }
    case 'valid':
      text = encodeJson(valid());
      break;
    case 'from-schema':
      text = encodeJson(fromSchema(rng, schema, ctx));
      break;
    case 'text-mutated': {
      const m = mutateText(rng, encodeJson(route.body ? valid() : randomValue(rng)));
      text = m.text;
      c.notes.push(m.note);
      break;
    }
    case 'deep':
      text = deepNesting(rng).text;
      break;
    case 'over-limit':
    case 'at-limit': {
      const size = kind === 'at-limit' ? limit : limit + rng.int(1, 64 * 1024);
      const head = `{"${rng.pick(['path', 'registry', 'description', 'x'])}":"`;
      text = `${head}${'a'.repeat(size - head.length - 2)}"}`;
      break;
    }
    case 'empty':
      text = rng.pick(['', ' ', '\n\t ', '\u0000']);
      break;
    case 'not-an-object':
      text = encodeJson(rng.pick<FuzzValue>([[], [valid()], 'x', 42, true, null, weirdNumber(rng)]));
      break;
    case 'bytes':
      bytes = rng.bytes(rng.int(1, 2048));
      break;
    case 'proto': {
      const base = valid();
      const o = obj(typeof base === 'object' && base && !Array.isArray(base) ? Object.entries(base) : []);
      o[PROTO] = toFuzz({ wgFuzzPolluted: true });
      if (rng.chance(0.5)) o[CONSTRUCTOR] = toFuzz({ prototype: { wgFuzzPolluted: true } });
      text = encodeJson(o);
      break;
    }
    default:
      text = encodeJson(randomValue(rng));
  }
  c.notes.unshift(`body ${kind}`);
  c.text = text;
  c.body = bytes ?? Buffer.from(text ?? '', 'utf8');
  const type = rng.weighted<string | undefined>([
    [78, 'application/json'],
    [4, 'application/json; charset=utf-8'],
    [2, 'application/merge-patch+json'],
    [3, 'text/plain'],
    [2, 'application/x-www-form-urlencoded'],
    [2, 'multipart/form-data; boundary=x'],
    [4, undefined],
    [2, 'application/json;;;x'],
    [1, 'APPLICATION/JSON'],
    [2, headerValue(rng)],
  ]);
  if (type !== undefined) c.headers['content-type'] = type;
}

function pathParam(rng: Rng, name: string, notes: string[]): string {
  const own = name === 'path' ? fixture.files : [name === 'id' ? fixture.generationId : ''];
  const v = rng.weighted<string>([
    [4, rng.pick(own) ?? ''],
    [2, fixture.traceId],
    [2, rng.pick(['000000000000001-deadbeef', 'x', 'a:b.c-d_e', '0'.repeat(32)])],
    [4, encode(weirdString(rng).slice(0, 2000))],
    [1, 'x'.repeat(rng.pick([200, 201, 4000]))],
    [
      2,
      rng.pick([
        '..%2F..%2Fetc%2Fpasswd',
        '%2e%2e',
        '.%2e',
        '%00',
        '%zz',
        '%E0%A4%A',
        '%C0%AF',
        '%2F',
        '%20',
      ]),
    ],
    [
      name === 'path' ? 3 : 0,
      rng.pick([
        'typescript/../../../../token',
        `typescript/${encode(weirdString(rng).slice(0, 200))}`,
        'typescript/%2e%2e/%2e%2e/db/CURRENT',
        '/etc/passwd',
        'typescript//index.ts',
      ]),
    ],
  ]);
  notes.push(`{${name}}=${excerpt(v, 60)}`);
  return v || 'x';
}

/** UTF-8 percent-encoding that survives lone surrogates (encodeURIComponent throws on them) */
const encode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[\w.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

function nearPath(rng: Rng, path: string): string {
  return rng.pick([
    `${path}/`,
    `${path}/extra`,
    path.toUpperCase(),
    `/v2${path}`,
    `/${path}`,
    `${path}%00`,
    `${path};x=1`,
    `/v1/${encode(weirdString(rng).slice(0, 100))}`,
  ]);
}

function queryOf(rng: Rng, route: Route, notes: string[]): string {
  const pairs: [string, string][] = [];
  for (const p of route.params.filter((p) => p.in === 'query')) {
    if (!rng.chance(0.5)) continue;
    const name =
      p.style === 'deepObject'
        ? `${p.name}.${rng.chance(0.6) ? 'weavergen.cache.hit' : weirdKey(rng)}`
        : p.name;
    const value = rng.weighted<string>([
      [3, queryValue(rng, p.schema)],
      [3, weirdString(rng).slice(0, 3000)],
      [2, String(((n) => (typeof n === 'number' ? n : n.text))(weirdNumber(rng)))],
      [1, ''],
    ]);
    pairs.push([name, value]);
    if (rng.chance(0.1)) pairs.push([name, value]);
  }
  if (rng.chance(0.15)) pairs.push([weirdKey(rng).slice(0, 100), weirdString(rng).slice(0, 200)]);
  if (pairs.length) notes.push(`query ${excerpt(JSON.stringify(pairs), 100)}`);
  // the request line stays under Node's header limit (16 KiB): past it Node's HTTP parser answers 431
  // itself, before the app sees the request (a route with several query parameters can get there)
  const encoded = pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`);
  while (encoded.join('&').length > MAX_QUERY_CHARS) encoded.pop();
  return encoded.join('&');
}

const MAX_QUERY_CHARS = 10_000;

function queryValue(rng: Rng, schema: JsonSchema): string {
  const alternatives = (schema?.oneOf ?? schema?.anyOf) as JsonSchema[] | undefined;
  const s = alternatives ? rng.pick(alternatives) : (schema ?? {});
  if (s.format === 'date-time') return new Date(rng.int(0, 4e12)).toISOString();
  if (s.pattern === '^[0-9a-f]{32}$') return rng.chance(0.5) ? fixture.traceId : 'f'.repeat(32);
  if (s.type === 'integer') return String(rng.int((s.minimum as number) ?? 0, (s.maximum as number) ?? 1000));
  return rng.pick([fixture.generationId, 'weavergen.candidate', 'x']);
}

function authHeader(rng: Rng, kind: string): string {
  const token = h.token;
  if (kind === 'right') return rng.pick([`Bearer ${token}`, `bearer ${token}`, `Bearer  ${token}  `]);
  if (kind === 'wrong')
    return rng.pick([
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase()}`,
      `Bearer ${'0'.repeat(64)}`,
      `Bearer ${headerValue(rng).replace(/\s/g, '') || 'x'}`,
    ]);
  return rng.pick([
    'Basic dXNlcjpwYXNz',
    'Bearer',
    'Bearer ',
    `Bearer ${token} extra`,
    `Token ${token}`,
    token,
    `Bearer ${'x'.repeat(6000)}`,
    headerValue(rng),
  ]);
}

interface Outcome {
  status: number;
  type: string;
  text: string;
  ms: number;
  code?: string;
  /** the request never got an answer (the connection failed or it timed out) */
  error?: string;
  /** the case sent before this one on the same kept-alive connection */
  previous?: number;
  /** performance.now() when it was sent */
  start: number;
}

/**
 * Sends a case with node:http on one of the workers' keep-alive agents (one connection each), so
 * a connection is reused as a client would and the case sent before on it is known; the path goes
 * out as it is (no URL normalization).
 */
function send(c: FuzzCase, agent: Agent): Promise<Outcome> {
  const t0 = performance.now();
  const { port } = new URL(h.url);
  return new Promise((resolve) => {
    let previous: number | undefined;
    let settled = false;
    const done = (o: Omit<Outcome, 'ms' | 'previous' | 'start'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...o, ms: performance.now() - t0, previous, start: t0 });
    };
    const failed = (e: NodeJS.ErrnoException) =>
      done({ status: 0, type: '', text: '', error: `${e.code ?? e.name}: ${e.message}` });
    let req: ClientRequest;
    try {
      req = httpRequest({
        host: '127.0.0.1',
        port: Number(port),
        method: c.method,
        path: c.url,
        agent,
        headers: { ...c.headers, ...(c.body ? { 'content-length': String(c.body.byteLength) } : {}) },
      });
    } catch (e) {
      failed(e as NodeJS.ErrnoException);
      return;
    }
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)),
      REQUEST_TIMEOUT_MS,
    );
    req.on('socket', (socket) => {
      previous = lastOnSocket.get(socket);
      lastOnSocket.set(socket, c.index);
    });
    req.on('error', failed);
    req.on('response', (res) => {
      const type = String(res.headers['content-type'] ?? '');
      const status = res.statusCode ?? 0;
      // an event stream of a running generation is followed no further than its headers
      if (type.startsWith('text/event-stream')) {
        res.destroy();
        done({ status, type, text: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', failed);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let code: string | undefined;
        if (status >= 400 && type.startsWith('application/json')) {
          try {
            code = JSON.parse(text)?.error?.code;
          } catch {}
        }
        done({ status, type, text, code });
      });
    });
    req.end(c.body);
  });
}

const lastOnSocket = new WeakMap<Socket, number>();

async function runAll(cases: FuzzCase[], concurrency: number): Promise<Outcome[]> {
  const out: Outcome[] = new Array(cases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (next < cases.length) {
          const i = next++;
          const c = cases[i];
          out[i] = await send(c, agent);
          if (TRACE)
            log(
              `case ${c.index}: ${c.method} ${c.url.slice(0, 120)} body ${c.body?.byteLength ?? '-'} -> ${out[i].status} (${out[i].ms.toFixed(0)} ms, after case ${out[i].previous ?? '-'})`,
            );
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  return out;
}

/** What is wrong with an answer (nothing, for a good one). */
function check(c: FuzzCase, o: Outcome): string[] {
  if (o.error) return [`no answer: ${o.error}`];
  const problems: string[] = [];
  if (o.status >= 500) problems.push(`${o.status} (a server error)`);
  if (o.status >= 300 && o.status < 400) problems.push(`unexpected ${o.status}`);
  if (o.status >= 400) {
    if (!o.type.startsWith('application/json')) problems.push(`a ${o.status} that is not JSON (${o.type})`);
    else if (c.method !== 'HEAD') {
      let body: Json;
      try {
        body = JSON.parse(o.text);
      } catch {
        problems.push(`a ${o.status} whose body does not parse`);
      }
      if (body && (typeof body.error?.code !== 'string' || !body.error.code))
        problems.push(`a ${o.status} without error.code`);
      if (body && typeof body.error?.message !== 'string')
        problems.push(`a ${o.status} without error.message`);
    }
  } else if (o.type.startsWith('application/json') && c.method !== 'HEAD') {
    try {
      JSON.parse(o.text);
    } catch {
      problems.push(`a ${o.status} JSON answer that does not parse`);
    }
  }
  return problems;
}

function describeFailure(c: FuzzCase, o: Outcome, problem: string, before?: [FuzzCase, Outcome]): string {
  const prev = before
    ? `${before[0].method} ${before[0].url.slice(0, 120)} auth=${before[0].auth}, body ${before[0].body?.byteLength ?? 0} bytes (${before[0].notes.slice(0, 3).join('; ')}) -> ${before[1].status}`
    : '';
  const headers = Object.entries(c.headers)
    .filter(([k]) => k !== 'authorization')
    .map(([k, v]) => `${k}: ${excerpt(v, 60)}`)
    .join(', ');
  return [
    `case ${c.index} (replay: WEAVERGEN_FUZZ_SEED=${hex(SEED)} WEAVERGEN_FUZZ_CASES=${before ? `${before[0].index},` : ''}${c.index}${before ? ' WEAVERGEN_FUZZ_CONCURRENCY=1' : ''}): ${problem}`,
    `  request: ${c.method} ${c.url.slice(0, 300)} auth=${c.auth}${headers ? ` ${headers}` : ''}`,
    `  body (${c.body?.byteLength ?? 0} bytes): ${c.text !== undefined ? excerpt(c.text, 300) : excerpt(c.body, 100)}`,
    `  mutations: ${c.notes.join('; ')}`,
    `  answer: ${o.status} ${o.type} in ${o.ms.toFixed(0)} ms ${o.error ?? excerpt(o.text, 400)}`,
    ...(o.previous !== undefined
      ? [`  sent after case ${o.previous} on the same kept-alive connection${prev ? `: ${prev}` : ''}`]
      : []),
  ].join('\n');
}

/** Registry folders with seeded garbage YAML: random bytes, alias bombs, deep nesting, flipped bytes. */
async function writeGarbageRegistries(rng: Rng): Promise<string[]> {
  const mini = await readFile(join(MINI_REGISTRY, 'registry_manifest.yaml'), 'utf8');
  const flip = (r: Rng, text: string) =>
    [...text].map((ch) => (r.chance(0.03) ? String.fromCharCode(r.int(0, 127)) : ch)).join('');
  const texts: Record<string, string> = {
    'random-bytes': Buffer.from(rng.bytes(4096)).toString('latin1'),
    // billion laughs: ten levels of nine aliases each
    'alias-bomb': [
      'l0: &l0 ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(',')}]`),
      'groups: *l9',
    ].join('\n'),
    'deep-flow': `groups: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    'deep-block': `groups:\n${Array.from({ length: 500 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x\n`,
    'wrong-types': [
      'groups:',
      '  - id: 42',
      '    type: [attribute_group]',
      '    attributes: {ref: {extends: __proto__}}',
      '  - id: __proto__',
      '    type: attribute_group',
      '    brief: null',
      '    extends: __proto__',
      '    attributes:',
      '      - id: constructor',
      '        type: {members: [{id: x, value: .nan}]}',
      '      - ref: constructor',
      `      - id: ${'a'.repeat(10_000)}`,
      '        type: int',
    ].join('\n'),
    flipped: flip(rng, mini),
    'v2-garbage': `file_format: definition/2\nattributes: ${encodeJson(randomValue(rng))}\nimports: ${encodeJson(randomValue(rng))}\n`,
  };
  const dirs: string[] = [];
  for (const [name, text] of Object.entries(texts)) {
    const dir = join(temp, `garbage-${name}`);
    await mkdir(dir);
    await writeFile(join(dir, 'registry.yaml'), text);
    if (name === 'flipped') {
      await cp(join(MINI_REGISTRY, 'shop'), join(dir, 'shop'), { recursive: true });
      const yaml = await readFile(join(dir, 'shop', 'registry.yaml'), 'utf8');
      await writeFile(join(dir, 'shop', 'registry.yaml'), flip(rng, yaml));
    }
    dirs.push(dir);
  }
  // a manifest that depends on itself
  const loop = join(temp, 'garbage-dependency-loop');
  await mkdir(loop);
  await writeFile(
    join(loop, 'registry_manifest.yaml'),
    `name: loop\nsemconv_version: 0.1.0\nschema_base_url: https://example.com/\ndependencies:\n  - name: loop\n    registry_path: ${loop}\n`,
  );
  dirs.push(loop);
  return dirs;
}

// ---------------------------------------------------------------------------------------------
// The network fuzz

const raws: WeaverLibp2p[] = [];

/** Dials until the raw peer sees the node subscribed to the digest topic (the mesh can take a retry). */
async function meshWith(raw: WeaverLibp2p, peerId: string, address: string): Promise<void> {
  const subscribed = () =>
    raw.services.pubsub.getSubscribers(DIGEST_TOPIC).some((p) => p.toString() === peerId);
  const addr = multiaddr(address.includes('/p2p/') ? address : `${address}/p2p/${peerId}`);
  for (let attempt = 0; !subscribed(); attempt++) {
    if (attempt > 5) throw new Error(`raw peer ${raw.peerId} not meshed with the node ${peerId}`);
    if (attempt > 0) await raw.hangUp(addr).catch(() => undefined);
    await raw.dial(addr, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
    for (let i = 0; i < 60 && !subscribed(); i++) await sleep(50);
  }
}

const CONTEXT = 'typescript|builtin|xs|e1t0d0m1';
const ARM = `${cidOfBytes(new TextEncoder().encode('fuzz-arm'))}:0123456789ab:builtin`;
const entry = (i = 0) => ({
  contextKey: CONTEXT,
  armKey: `${cidOfBytes(new TextEncoder().encode(`fuzz-arm-${i}`))}:0123456789ab:builtin`,
  n: 40,
  sumQ: 32,
  sumQ2: 26,
});
let epochs = 1;
const digestOf = (peer: string, over: Record<string, unknown> = {}) => ({
  v: DIGEST_VERSION,
  type: 'digest',
  peer,
  epoch: epochs++,
  at: Date.now(),
  epsilon: 1,
  k: 5,
  entries: [{ ...entry(), armKey: ARM }],
  ...over,
});
const patternOf = (publisher: string, over: Record<string, unknown> = {}) => ({
  v: 1,
  type: 'pattern',
  name: 'fuzz-pack',
  version: '1.0.0',
  language: 'typescript',
  cid: cidOfBytes(new TextEncoder().encode(`fuzz-pack-${epochs++}`)),
  size: 100,
  publisher,
  timestamp: Date.now(),
  ...over,
});

const FIELD_DAMAGE: [string, (m: Record<string, unknown>, rng: Rng) => void][] = [
  // each message type's other version (digests: 1, the version with `successes`)
  ['wrong-version', (m) => (m.v = m.type === 'digest' ? 1 : 2)],
  ['wrong-type', (m) => (m.type = m.type === 'digest' ? 'pattern' : 'digest')],
  ['negative-epoch', (m) => (m.epoch = -1)],
  ['huge-epoch', (m) => (m.epoch = 2 ** 41)],
  [
    'future',
    (m) => {
      m.at = Date.now() + 3_600_000;
      m.timestamp = Date.now() + 3_600_000;
    },
  ],
  [
    'ancient',
    (m) => {
      m.at = 1000;
      m.timestamp = 1000;
    },
  ],
  ['zero-k', (m) => (m.k = 0)],
  ['bad-entries', (m) => (m.entries = [{ ...entry(), n: -5 }, entry(1)])],
  ['unsorted-entries', (m) => (m.entries = [entry(3), entry(2), entry(2)])],
  ['extra-field', (m, rng) => (m[weirdKey(rng) || 'x'] = randomValue(rng, 2))],
  ['missing-field', (m, rng) => delete m[rng.pick(Object.keys(m))]],
  ['weird-field', (m, rng) => (m[rng.pick(Object.keys(m))] = randomValue(rng, 1))],
  ['bad-cid', (m) => (m.cid = 'bafy-not-a-cid')],
  ['bad-name', (m) => (m.name = '../../Evil Name')],
];

/** One seeded garbage message for a topic: random bytes, truncated/oversized/damaged messages, wrong signatures. */
async function garbageMessage(
  rng: Rng,
  key: PrivateKey,
  other: PrivateKey,
  replays: Uint8Array[],
): Promise<{ topic: string; kind: string; bytes: Uint8Array }> {
  const topic = rng.chance(0.6) ? DIGEST_TOPIC : PATTERN_TOPIC;
  const digest = topic === DIGEST_TOPIC;
  const me = peerIdOfKey(key);
  const domain = digest ? ('digest' as const) : ('pattern' as const);
  const fresh = () => (digest ? digestOf(me) : patternOf(me)) as Record<string, unknown>;
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const validDigest = async () => {
    const bytes = encodeCanonical(await sign('digest', digestOf(me), key));
    replays.push(bytes);
    return { topic: DIGEST_TOPIC, kind: 'valid', bytes };
  };
  const kind = rng.weighted<string>([
    [4, 'random-bytes'],
    [2, 'random-json'],
    [3, 'truncated'],
    [2, 'oversized'],
    [4, 'wrong-signature'],
    [2, 'publisher-mismatch'],
    [5, 'damaged'],
    [1, 'deep'],
    [1, 'proto'],
    [1, 'valid'],
    [1, 'replay'],
  ]);
  switch (kind) {
    case 'random-bytes':
      return {
        topic,
        kind,
        bytes: rng.bytes(rng.chance(0.1) ? LIMITS.digestBytes + rng.int(1, 4096) : rng.int(0, 600)),
      };
    case 'random-json':
      return { topic, kind, bytes: new TextEncoder().encode(encodeJson(randomValue(rng))) };
    case 'truncated': {
      const full = encodeCanonical(await sign(domain, fresh(), key));
      return { topic, kind, bytes: full.subarray(0, rng.int(0, full.byteLength - 1)) };
    }
    case 'oversized': {
      const m = fresh();
      if (digest && rng.chance(0.5))
        m.entries = Array.from({ length: LIMITS.digestEntries + 5 }, (_, i) => entry(i));
      else m.name = 'x'.repeat((digest ? LIMITS.digestBytes : LIMITS.patternBytes) + rng.int(1, 1000));
      return { topic, kind, bytes: enc(await sign(domain, m, key)) };
    }
    case 'wrong-signature': {
      const signed = (await sign(domain, fresh(), rng.chance(0.5) ? other : key)) as Record<string, unknown>;
      const how = rng.int(0, 3);
      if (how === 1) signed.sig = Buffer.from(rng.bytes(64)).toString('base64url');
      if (how === 2) signed.sig = `${String(signed.sig).slice(0, -2)}AA`;
      if (how === 3) signed.sig = rng.pick(['', '!!!', 'a'.repeat(5000)]);
      if (how === 0 && signed.sig) {
        // signed by the author's own key, then changed: the signature no longer covers it
        if (digest) signed.epoch = Number(signed.epoch) + 1;
        else signed.size = 101;
      }
      return { topic, kind, bytes: enc(signed) };
    }
    case 'publisher-mismatch': {
      const them = peerIdOfKey(other);
      const m = digest ? digestOf(them) : patternOf(them);
      return { topic, kind, bytes: encodeCanonical(await sign(domain, m, other)) };
    }
    case 'damaged': {
      const [name, damage] = rng.pick(FIELD_DAMAGE);
      const m = fresh();
      damage(m, rng);
      // damaged before signing (the schema fails), or after (the signature fails too)
      const bytes = rng.chance(0.5)
        ? enc(await sign(domain, m, key))
        : enc({ ...(await sign(domain, fresh(), key)), ...m });
      return { topic, kind: `damaged-${name}`, bytes };
    }
    case 'deep':
      return { topic, kind, bytes: new TextEncoder().encode(deepNesting(rng, rng.pick([100, 10_000])).text) };
    case 'proto':
      return {
        topic,
        kind,
        bytes: new TextEncoder().encode(
          `{"__proto__":{"wgFuzzPolluted":true},"constructor":{"prototype":{"wgFuzzPolluted":true}},${JSON.stringify(await sign(domain, fresh(), key)).slice(1)}`,
        ),
      };
    case 'replay':
      if (replays.length) return { topic: DIGEST_TOPIC, kind, bytes: rng.pick(replays) };
      return validDigest();
    default:
      return validDigest();
  }
}

const SYNC_PLANS = ['frames', 'bad-length', 'oversized', 'truncated', 'too-many', 'stall', 'reset'] as const;

const varint = (n: number): Uint8Array => {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
};

async function sendRaw(stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain({ signal });
}

/** What a raw peer answers when the node catches up from it: garbage frames, then a frame-level fault. */
async function serveGarbage(stream: Stream, plan: string, rng: Rng, key: PrivateKey): Promise<void> {
  const signal = AbortSignal.timeout(15_000);
  const me = peerIdOfKey(key);
  try {
    // at least one garbage frame before any fault (a peer that resets at once has only "gone away")
    const frames =
      plan === 'too-many'
        ? LIMITS.syncDigests + 6
        : plan === 'frames'
          ? rng.int(3, 12)
          : plan === 'stall'
            ? 0
            : rng.int(1, 3);
    for (let i = 0; i < frames; i++) {
      const bytes = rng.weighted<() => Promise<Uint8Array>>([
        [2, async () => rng.bytes(rng.int(0, 300))],
        [2, async () => new TextEncoder().encode(encodeJson(randomValue(rng)))],
        [2, async () => encodeCanonical(await sign('digest', digestOf(me), await createPeerKey()))],
        [
          1,
          async () =>
            encodeCanonical(await sign('digest', digestOf(me, { at: Date.now() + 3_600_000 }), key)),
        ],
        [1, async () => encodeCanonical(await sign('digest', digestOf(me, { v: 2 }), key))],
      ]);
      await writeFrame(stream, await bytes(), signal);
    }
    if (plan === 'bad-length') await sendRaw(stream, new Uint8Array(11).fill(0xff), signal);
    if (plan === 'oversized')
      await sendRaw(stream, Uint8Array.from([...varint(LIMITS.digestBytes + 1000), 1, 2, 3]), signal);
    if (plan === 'truncated')
      await sendRaw(stream, Uint8Array.from([...varint(500), ...rng.bytes(20)]), signal);
    if (plan === 'stall') await sleep(7000);
    if (plan === 'reset') {
      await sleep(200);
      await sendRaw(stream, Uint8Array.from([...varint(200), ...rng.bytes(50)]), signal);
      stream.abort(new Error('fuzz: reset'));
      return;
    }
    await stream.close({ signal });
  } catch {
    stream.abort(new Error('fuzz: done'));
  }
}

/** Opens a protocol on the node and sends it garbage; false when the node refused the stream. */
async function garbageStream(
  raw: WeaverLibp2p,
  peerId: string,
  protocol: string,
  rng: Rng,
): Promise<boolean> {
  const signal = AbortSignal.timeout(8000);
  let stream: Stream;
  try {
    stream = await raw.dialProtocol(peerIdFromString(peerId), protocol, {
      signal: AbortSignal.timeout(3000),
    });
  } catch {
    return false;
  }
  try {
    const kind = rng.int(0, 8);
    if (kind === 0) await sendRaw(stream, rng.bytes(rng.int(1, 600)), signal);
    if (kind === 1) await writeFrame(stream, rng.bytes(rng.int(0, 600)), signal);
    if (kind === 2) await sendRaw(stream, new Uint8Array(11).fill(0xff), signal);
    if (kind === 3) await sendRaw(stream, Uint8Array.from([...varint(10 * 1024 * 1024), 1, 2, 3]), signal);
    if (kind === 4) await sendRaw(stream, Uint8Array.from([...varint(300), ...rng.bytes(20)]), signal);
    if (kind === 5)
      await writeFrame(
        stream,
        encodeCanonical({
          v: 1,
          type: 'pack-request',
          cid: rng.chance(0.5) ? cidOfBytes(rng.bytes(8)) : weirdString(rng).slice(0, 100),
        }),
        signal,
      );
    if (kind === 6) for (let i = 0; i < 20; i++) await writeFrame(stream, rng.bytes(rng.int(0, 40)), signal);
    if (kind === 7) {
      // says nothing for a while, then goes away
      await sleep(rng.int(500, 2500));
      stream.abort(new Error('fuzz: gone'));
      return true;
    }
    // kind 8: nothing at all
    await stream.close({ signal }).catch(() => undefined);
    // read whatever the node answers, until it closes (bounded)
    const read = (async () => {
      for await (const _ of stream) {
      }
    })().catch(() => undefined);
    await Promise.race([read, sleep(3000)]);
  } catch {
    // the node cut it short: what it is supposed to do with garbage
  } finally {
    stream.abort(new Error('fuzz: done'));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Shared

interface Sample {
  phase: string;
  /** ms since the poller started */
  at: number;
  /** performance.now() when it was sent */
  start: number;
  ms: number;
  status: number;
}

interface Poller {
  phase: string;
  stop(): Promise<Sample[]>;
}

/** GET /v1/health every POLL_MS (a slow answer is waited for, then the next one is sent at once). */
function startPoller(url: string): Poller {
  const samples: Sample[] = [];
  let running = true;
  const start = performance.now();
  const p: Poller = {
    phase: 'setup',
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(10_000) });
        await res.text();
        status = res.status;
      } catch {}
      const ms = performance.now() - t0;
      samples.push({ phase: p.phase, at: Math.round(t0 - start), start: t0, ms, status });
      await sleep(Math.max(0, POLL_MS - ms));
    }
  })();
  return p;
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const sum = (counts: Record<string, number>) => Object.values(counts ?? {}).reduce((s, n) => s + n, 0);
const q = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(0) : '-';
