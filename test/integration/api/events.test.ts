import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../../node/api/index.js';
import type { GenerationEvent, GenerationRecord } from '../../../node/jobs/types.js';
import type { WeaverNode } from '../../../node/node.js';
import { type Reply, startWireServer, type WireServer } from '../../helpers/wire-servers.js';
import { asJson, type Harness, MINI_REGISTRY, readSse, startHarness } from './harness.js';

let h: Harness;
/** the same node behind a second server that counts live subscriptions and sends keep-alives every 50 ms */
let server: ApiServer;
let active = 0;
/**
 * The node's model generator, served here: a generation that asks it is held as long as the test
 * says (`answer`), so how long a generation runs is the test's choice, not the machine's speed.
 */
let model: WireServer;
const MODEL = 'openai:gpt-4o-mini';
/** the model's reply to each request; by default it never answers (the generation runs until the node stops) */
let answer: () => Reply = () => ({ hang: true });
/** a generation held by the model until the node stops */
let long: { id: string; links: { events: string } };

beforeAll(async () => {
  model = await startWireServer('openai', { models: ['gpt-4o-mini'], otherwise: () => answer() });
  // one generation at a time; the long one is cut short at stop
  h = await startHarness(
    {},
    { shutdownGraceMs: 500, concurrency: 1 },
    {
      models: 'builtin,openai:gpt-4o-mini',
      openai: { apiKey: 'sk-test', baseURL: model.url },
    },
  );
  // the routes reach a tenant's view of the node (forTenant): its subscribe is the one counted
  const counting = <T extends object>(node: T): T =>
    new Proxy(node, {
      get(target, key, receiver) {
        if (key === 'subscribe') {
          return (id: string, listener: (e: GenerationEvent) => void) => {
            active++;
            const off = (target as unknown as WeaverNode).subscribe(id, listener);
            return () => {
              active--;
              off();
            };
          };
        }
        if (key === 'forTenant')
          return async (id: string) => counting(await (target as unknown as WeaverNode).forTenant(id));
        return Reflect.get(target, key, receiver);
      },
    });
  const counted = counting(h.node);
  server = await startApiServer(counted, { port: 0, heartbeatMs: 50 });
});

afterAll(async () => {
  await server?.close();
  await h?.stop();
  await model?.close();
});

/** starts a generation with the given generators (the template engine alone unless told) */
const start = async (languages: string[], models = ['builtin']) => {
  const res = await h.call('/v1/generate', {
    auth: true,
    json: { registry: MINI_REGISTRY, languages, models },
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; links: { events: string } };
};

const until = async (check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return check();
};

describe('GET /v1/generations/:id/events', () => {
  it('several clients of one running generation all get the same result; keep-alive comments flow; nothing stays subscribed', async () => {
    // the model's answers (refused: the template engine wins) wait until a client has read a keep-alive,
    // so the generation is still running when the comments flow, however fast the machine
    let heard!: () => void;
    const keepAlive = new Promise<void>((resolve) => (heard = resolve));
    answer = () => ({ after: keepAlive, reply: { status: 400, message: 'held, then refused' } });
    const { id, links } = await start(['typescript', 'python'], ['builtin', MODEL]);
    const streams = await Promise.all([0, 1, 2].map(() => fetch(`${server.url}${links.events}`)));
    const results = await Promise.all(streams.map((s) => readSse(s, 120_000, heard)));
    answer = () => ({ hang: true });
    const records = results.map((r) => (r.events.at(-1)!.data as { record: GenerationRecord }).record);
    for (const r of results) {
      expect(r.ended).toBe(true);
      expect(r.events.at(-1)!.event).toBe('result');
    }
    expect(records.map((r) => r.id)).toEqual([id, id, id]);
    expect(records[1]).toEqual(records[0]);
    expect(records[0].status).toBe('succeeded');
    expect(results.some((r) => r.comments > 0)).toBe(true);
    expect(await until(() => active === 0)).toBe(true);
  });

  it('a client that goes away is unsubscribed at once, even when no event is coming', async () => {
    // one generation at a time: behind the long one (held by the model, which never answers) the
    // next one waits queued and silent, so only the disconnect itself can end its stream
    const asked = model.requests.length;
    long = await start(['typescript'], [MODEL]);
    expect(await until(() => model.requests.length > asked, 60_000)).toBe(true); // running, waiting for the model
    expect((await h.node.generation(long.id))?.status).toBe('running');
    const queued = await start(['typescript']);
    const controller = new AbortController();
    const res = await fetch(`${server.url}${queued.links.events}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: status\n.*"status":"queued"/s);
    expect(active).toBe(1);
    controller.abort();
    expect(await until(() => active === 0, 1_000)).toBe(true);
    expect((await h.node.generation(queued.id))?.status).toBe('queued');
  });

  it('an unknown generation gets a 404 and no subscription is left behind', async () => {
    const res = asJson(await fetch(`${server.url}/v1/generations/000000000000000-00000000/events`));
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
    expect(active).toBe(0);
  });

  it('server.close() ends open event streams after its grace period instead of waiting for them', async () => {
    const other = await startApiServer(h.node, { port: 0, closeGraceMs: 100 });
    const res = await fetch(`${other.url}${long.links.events}`);
    expect(res.status).toBe(200);
    const reading = readSse(res, 30_000).catch(() => ({ events: [], comments: 0, ended: true }));
    const t = Date.now();
    await other.close();
    expect(Date.now() - t).toBeLessThan(2_000);
    const { events } = await reading;
    expect(events.map((e) => e.event)).not.toContain('result');
    expect(['queued', 'running']).toContain((await h.node.generation(long.id))?.status);
  });
});
