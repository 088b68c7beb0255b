import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { MINI_REGISTRY, writeRegistry } from '../../helpers/registry.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';
import {
  askedNamespace,
  namespaceAnswer,
  TS_GOOD,
  TS_GOOD_FILE,
  TWO_NAMESPACES,
  tsAnswer,
} from '../models/answers.js';

/**
 * The node's loop routes a model's feedback chunk by chunk: only the chunks with problems are asked
 * again, each shown its own diagnostics and its own previous files.
 */
let node: WeaverNode | undefined;
let server: WireServer | undefined;
afterEach(async () => {
  await node?.stop();
  await server?.close();
  node = server = undefined;
});

const twoNamespaces = () => writeRegistry(TWO_NAMESPACES);
const answer = namespaceAnswer;
const asked = askedNamespace;

async function start(contextTokens: number) {
  server = await startWireServer('openai', { models: ['gpt-4o-mini'] });
  node = await createNode(
    await loadConfig(
      {
        home: await mkdtemp(join(tmpdir(), 'wg-routing-')),
        api: { enabled: false },
        network: { enabled: false },
        models: {
          models: 'builtin,openai:gpt-4o-mini',
          openai: { apiKey: 'sk-test', baseURL: server.url, contextTokens, maxOutputTokens: 1000 },
        },
      },
      {},
    ),
  );
  return { node, server };
}

describe('feedback routing in the loop', () => {
  it('asks again only the chunk whose answer did not compile, with its own errors and files', async () => {
    const { node, server } = await start(3000);
    // round 1: alpha and beta are asked at once (in any order); beta's answer does not compile
    for (let i = 0; i < 2; i++)
      server.script((req) => {
        const ns = asked(req.body);
        return { answer: answer(ns, ns === 'beta'), inputTokens: 700, outputTokens: 300 };
      });
    // round 2: the corrected answer
    server.script((req) => ({ answer: answer(asked(req.body), false), inputTokens: 700, outputTokens: 300 }));
    const registry = await twoNamespaces();
    const record = await (
      await node.generate({ registry, languages: ['typescript'], models: ['openai:gpt-4o-mini'] })
    ).done;
    const ts = record.languages[0];
    const round1 = server.requests.slice(0, 2).map((r) => asked(r.body));
    expect(round1.sort()).toEqual(['alpha', 'beta']);
    // round 2: one request, for beta only, with beta's diagnostics and its previous file; nothing of alpha
    expect(server.requests).toHaveLength(3);
    const again = server.requests[2].body.messages[1].content;
    expect(asked(server.requests[2].body)).toBe('beta');
    expect(again).toMatch(/beta\.ts:\d+:\d+/);
    expect(again).toContain("export const ATTR_BETA_ITEM3: number = 'beta.item3'");
    expect(again).not.toContain('ATTR_ALPHA_ITEM0');
    expect(ts.rounds).toBe(2);
    expect(ts.winner?.validation.status).toBe('passed');
  });

  it('does not accept an answer that compiles with defects while a round is left, and names each defect with the previous files', async () => {
    const { node, server } = await start(128_000);
    // compiles, q about 0.9, but the deprecated attribute is not marked and a constant is invented
    const flawed = TS_GOOD_FILE.replace(' * @deprecated Replaced by `shop.order.status`.\n', '').concat(
      "\n/** The colour of the order. */\nexport const ATTR_SHOP_ORDER_COLOUR = 'shop.order.colour' as const;\n",
    );
    server.script({ answer: tsAnswer(flawed), inputTokens: 900, outputTokens: 400 });
    server.script({ answer: TS_GOOD, inputTokens: 900, outputTokens: 400 });
    const { id, done } = await node.generate({
      registry: MINI_REGISTRY,
      languages: ['typescript'],
      models: ['openai:gpt-4o-mini'],
    });
    const ts = (await done).languages[0];
    expect(ts.rounds).toBe(2);
    const again = server.requests[1].body.messages[1].content as string;
    expect(again).toMatch(/Not in the registry[^\n]*:\n- [^\n]*ATTR_SHOP_ORDER_COLOUR/);
    expect(again).toMatch(/not marked deprecated[^\n]*:\n- [^\n]*(ATTR_SHOP_ORDER_STATE|shop\.order\.state)/);
    // its previous answer, though it compiled
    expect(again).toContain("export const ATTR_SHOP_ORDER_COLOUR = 'shop.order.colour'");
    const round1 = (await node.decisions(id)).find((d) => d.step === 'reasoning:typescript:round1')!;
    expect(round1.choice).not.toBe('stop');
    expect(ts.winner?.q).toBe(1);
  });
});
