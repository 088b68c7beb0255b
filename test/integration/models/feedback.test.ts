import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TemplateRegistry } from '../../../node/generation/index.js';
import { feedbackFromValidation, type GenerationProgress } from '../../../node/models/index.js';
import { createValidator } from '../../../node/validation/index.js';
import { writeRegistry } from '../../helpers/registry.js';
import { toolchain } from '../../helpers/tools.js';
import { startWireServer, type WireProtocol, type WireServer } from '../../helpers/wire-servers.js';
import {
  askedNamespace,
  namespaceAnswer,
  PY_BROKEN,
  PY_GOOD,
  TS_BROKEN,
  TS_BROKEN_LINE,
  TS_GOOD,
  TWO_NAMESPACES,
} from './answers.js';
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

describe.each<WireProtocol>(['ollama', 'openai', 'anthropic'])(
  '%s: a broken answer, then a fixed one',
  (protocol) => {
    it('round 1 fails the compiler, round 2 (with the diagnostics in its prompt) passes', async () => {
      server = await startWireServer(protocol, { models: [MODEL_NAME[protocol]] });
      server.script({ answer: TS_BROKEN, inputTokens: 1000, outputTokens: 400 });
      server.script({ answer: TS_GOOD, inputTokens: 1500, outputTokens: 410 });
      const g = await generatorFor(server);

      const r1 = await g.generate({ language: 'typescript', model });
      const v1 = await validator.validate({
        language: 'typescript',
        files: r1.files,
        model,
        scope: r1.scope,
      });
      expect(v1.toolchain.status).toBe('failed');
      const error = v1.toolchain.diagnostics.find((d) => d.severity === 'error')!;
      expect(error).toMatchObject({ file: 'shop.ts', line: TS_BROKEN_LINE });
      expect(error.message).toMatch(/^TS2322: /);
      expect(JSON.stringify(server.requests[0].body)).not.toContain('Correction round');

      const r2 = await g.generate({
        language: 'typescript',
        model,
        feedback: feedbackFromValidation(v1, r1, 1),
      });
      // the server saw the compiler's words, located, and the previous file to correct
      const prompt = JSON.stringify(server.requests[1].body);
      expect(prompt).toContain('Correction round 1');
      expect(prompt).toContain(`shop.ts:${TS_BROKEN_LINE}:${error.column}: error: TS2322`);
      expect(prompt).toContain("export const ATTR_SHOP_ORDER_ID: number = 'shop.order.id';");
      const v2 = await validator.validate({
        language: 'typescript',
        files: r2.files,
        model,
        scope: r2.scope,
      });
      expect(v2.toolchain.diagnostics).toEqual([]);
      expect(v2.toolchain.status).toBe('passed');
      expect(v2.quality.q).toBeGreaterThan(v1.quality.q);
      expect(r2.usage).toMatchObject({ inputTokens: 1500, outputTokens: 410 });
    });
  },
);

const PY = toolchain('python');

describe('python: a syntax error fed back', () => {
  const name = `reaches the model as file:line and the fix passes the interpreter${PY.note}`;
  it.skipIf(PY.skip)(name, async () => {
    server = await startWireServer('openai', { models: [MODEL_NAME.openai] });
    server.script({ answer: PY_BROKEN }, { answer: PY_GOOD });
    const g = await generatorFor(server);
    const r1 = await g.generate({ language: 'python', model });
    const v1 = await validator.validate({ language: 'python', files: r1.files, model, scope: r1.scope });
    expect(v1.toolchain.status).toBe('failed');
    const d = v1.toolchain.diagnostics.find((x) => x.severity === 'error')!;
    expect(d.file).toBe('attributes/shop_attributes.py');
    const r2 = await g.generate({ language: 'python', model, feedback: feedbackFromValidation(v1, r1) });
    const user = server.requests[1].body.messages[1].content as string;
    expect(user).toContain(`attributes/shop_attributes.py:${d.line}:`);
    expect(user).toContain('SyntaxError');
    const v2 = await validator.validate({ language: 'python', files: r2.files, model, scope: r2.scope });
    expect(v2.toolchain.status).toBe('passed');
  });
});

describe('a registry in several chunks', () => {
  const registry = () => writeRegistry(TWO_NAMESPACES);
  const file = namespaceAnswer;
  const asked = askedNamespace;

  it('asks one prompt per chunk concurrently, then in round 2 asks again only for the chunk with errors', async () => {
    const big = await loadModel(await registry());
    server = await startWireServer('openai', { models: [MODEL_NAME.openai] });
    // answers chosen from what each prompt asks for: beta is broken in round 1
    for (let i = 0; i < 3; i++)
      server.script((req) => {
        const ns = asked(req.body);
        return { answer: file(ns, ns === 'beta' && i < 2), inputTokens: 700, outputTokens: 300 };
      });
    const g = await generatorFor(server, { contextTokens: 3000, maxOutputTokens: 1000 });
    const events: GenerationProgress[] = [];
    const r1 = await g.generate({ language: 'typescript', model: big, onProgress: (e) => events.push(e) });
    expect(r1.chunks?.map((c) => c.id)).toEqual(['alpha', 'beta']);
    expect(events.find((e) => e.phase === 'plan')).toMatchObject({ chunks: 2 });
    expect(server.requests.map((r) => asked(r.body)).sort()).toEqual(['alpha', 'beta']);
    // every prompt fits the configured window (chars/4)
    for (const r of server.requests) expect(JSON.stringify(r.body.messages).length / 4).toBeLessThan(3000);
    expect(r1.usage).toMatchObject({ inputTokens: 1400, outputTokens: 600 });
    expect(r1.files.map((f) => f.path).sort()).toEqual(['alpha.ts', 'beta.ts', 'index.ts']);

    const v1 = await validator.validate({
      language: 'typescript',
      files: r1.files,
      model: big,
      scope: r1.scope,
    });
    expect(v1.toolchain.status).toBe('failed');
    expect(new Set(v1.toolchain.diagnostics.map((d) => d.file))).toEqual(new Set(['beta.ts']));

    const events2: GenerationProgress[] = [];
    const r2 = await g.generate({
      language: 'typescript',
      model: big,
      feedback: feedbackFromValidation(v1, r1),
      onProgress: (e) => events2.push(e),
    });
    // alpha had nothing to fix: reused without a request; beta was asked again, with its diagnostics
    expect(server.requests).toHaveLength(3);
    expect(asked(server.requests[2].body)).toBe('beta');
    expect(server.requests[2].body.messages[1].content).toContain('beta.ts:');
    expect(events2.filter((e) => e.phase === 'reuse')).toMatchObject([{ files: ['alpha.ts'] }]);
    expect(r2.chunks?.map((c) => [c.id, c.reused])).toEqual([
      ['alpha', true],
      ['beta', false],
    ]);
    expect(r2.usage).toMatchObject({ inputTokens: 700, outputTokens: 300 });
    const v2 = await validator.validate({
      language: 'typescript',
      files: r2.files,
      model: big,
      scope: r2.scope,
    });
    expect(v2.toolchain.status).toBe('passed');
    expect(v2.symbols.found).toBe(24);
  });
});
