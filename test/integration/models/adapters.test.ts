import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TemplateRegistry } from '../../../node/generation/index.js';
import type { GenerationProgress } from '../../../node/models/index.js';
import { createValidator } from '../../../node/validation/index.js';
import { toolchain } from '../../helpers/tools.js';
import { startWireServer, type WireProtocol, type WireServer } from '../../helpers/wire-servers.js';
import { PY_GOOD, TS_GOOD } from './answers.js';
import { generatorFor, loadModel, MODEL_NAME } from './setup.js';

const validator = createValidator();
let model: TemplateRegistry;
let server: WireServer | undefined;

beforeAll(async () => {
  model = await loadModel();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const PROTOCOLS: WireProtocol[] = ['ollama', 'openai', 'anthropic'];
const roundTrips: string[] = [];

describe.each(PROTOCOLS)('%s adapter through its real SDK', (protocol) => {
  it.each([true, false])(
    'stream=%s: a correct answer becomes files the TypeScript compiler accepts',
    async (stream) => {
      server = await startWireServer(protocol, { models: [MODEL_NAME[protocol]] });
      server.script({ answer: TS_GOOD, inputTokens: 1234, outputTokens: 567, pieces: 8 });
      const g = await generatorFor(server, { stream, timeoutMs: 5000 });
      const events: GenerationProgress[] = [];
      const started = performance.now();
      const r = await g.generate({ language: 'typescript', model, onProgress: (e) => events.push(e) });
      roundTrips.push(`${protocol} stream=${stream}: ${(performance.now() - started).toFixed(1)} ms`);

      // the request the SDK sent: the prompt pack's system and user prompts, the key, the window
      expect(server.requests).toHaveLength(1);
      const req = server.requests[0];
      expect(req.body.model).toBe(MODEL_NAME[protocol]);
      expect(req.body.stream ?? false).toBe(stream);
      const sent = JSON.stringify(req.body);
      expect(sent).toContain('ATTR_SHOP_ORDER_ID');
      expect(sent).toContain('Identifier of the order.');
      if (protocol === 'openai') {
        expect(req.headers.authorization).toBe('Bearer sk-wire-test');
        expect(req.body.messages[0].role).toBe('system');
        if (stream) expect(req.body.stream_options).toEqual({ include_usage: true });
      } else if (protocol === 'anthropic') {
        // this SDK version sends the key as a bearer token; older ones used x-api-key
        expect(req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '')).toBe(
          'sk-ant-wire-test',
        );
        expect(typeof req.body.system).toBe('string');
        expect(req.body.max_tokens).toBeGreaterThan(0);
      } else {
        expect(req.body.options.num_ctx).toBe(8192);
        expect(req.body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
      }

      // files: the model's shop.ts plus the pack's index.ts scaffold, compiled for real
      expect(r.files.map((f) => f.path).sort()).toEqual(['index.ts', 'shop.ts']);
      expect(r.files.find((f) => f.path === 'shop.ts')?.content).not.toContain('// file:');
      const v = await validator.validate({ language: 'typescript', files: r.files, model, scope: r.scope });
      expect(v.toolchain.diagnostics).toEqual([]);
      expect(v.toolchain.status).toBe('passed');
      expect(v.symbols.found).toBe(v.symbols.expected);
      expect(v.quality.q).toBeGreaterThan(0.9);

      // usage as the API reported it, priced from the table
      expect(r.usage.inputTokens).toBe(1234);
      expect(r.usage.outputTokens).toBe(567);
      expect(r.usage.estimated).toBeUndefined();
      const price = { ollama: [0, 0], openai: [0.15, 0.6], anthropic: [0.8, 4] }[protocol];
      expect(r.usage.costUsd).toBeCloseTo((1234 * price[0] + 567 * price[1]) / 1e6, 10);
      expect(r.usage.priced).toBe(true);
      expect(r.model).toBe(`${protocol}:${MODEL_NAME[protocol]}`);
      expect(r.kind).toBe(protocol);
      expect(r.pack.kind).toBe('prompt');
      expect(r.chunks).toHaveLength(1);
      expect(r.raw).toEqual([TS_GOOD]);

      // progress: plan, request, streamed text (when streaming), answer, done
      const phases = events.map((e) => e.phase);
      expect(phases[0]).toBe('plan');
      expect(phases).toContain('request');
      expect(phases.at(-1)).toBe('done');
      const streamed = events.filter((e) => e.phase === 'stream');
      if (stream) {
        expect(streamed.length).toBeGreaterThanOrEqual(2);
        const last = streamed.at(-1) as Extract<GenerationProgress, { phase: 'stream' }>;
        expect(last.receivedChars).toBe(TS_GOOD.length);
      } else expect(streamed).toEqual([]);
      const answer = events.find((e) => e.phase === 'answer') as Extract<
        GenerationProgress,
        { phase: 'answer' }
      >;
      expect(answer).toMatchObject({ inputTokens: 1234, outputTokens: 567, files: ['shop.ts'] });
    },
  );
});

const PY = toolchain('python');

describe('a Python answer', () => {
  it.skipIf(PY.skip)(`is compiled and imported by the real interpreter${PY.note}`, async () => {
    server = await startWireServer('anthropic', { models: [MODEL_NAME.anthropic] });
    server.script({ answer: PY_GOOD, inputTokens: 900, outputTokens: 300 });
    const g = await generatorFor(server);
    const r = await g.generate({ language: 'python', model });
    expect(r.files.map((f) => f.path).sort()).toEqual([
      'attributes/shop_attributes.py',
      'events/shop_events.py',
      'metrics/shop_metrics.py',
    ]);
    expect(server.requests[0].body.system).toContain('Python');
    const v = await validator.validate({ language: 'python', files: r.files, model, scope: r.scope });
    expect(v.toolchain.diagnostics).toEqual([]);
    expect(v.toolchain.status).toBe('passed');
    expect(v.symbols.found).toBe(v.symbols.expected);
  });

  it('round trips recorded', () => {
    console.log(
      `loopback round trips (generate, incl. prompt render and extraction):\n  ${roundTrips.join('\n  ')}`,
    );
    expect(roundTrips.length).toBe(6);
  });
});

describe('usage a server does not report', () => {
  it('is estimated from the text and flagged', async () => {
    server = await startWireServer('openai', { models: [MODEL_NAME.openai] });
    server.script({ answer: TS_GOOD, noUsage: true });
    const g = await generatorFor(server, { stream: true });
    const r = await g.generate({ language: 'typescript', model });
    expect(r.usage.estimated).toBe(true);
    expect(r.usage.outputTokens).toBe(Math.ceil(TS_GOOD.length / 4));
    expect(r.usage.inputTokens).toBeGreaterThan(100);
  });
});
