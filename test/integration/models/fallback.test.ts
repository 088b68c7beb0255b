import { describe, expect, it } from 'vitest';
import { createGenerators, type GenerationProgress, ModelErrorCode } from '../../../node/models/index.js';
import type { WireProtocol, WireServer } from '../../helpers/wire-servers.js';
import { TS_GOOD } from './answers.js';
import { failureHarness } from './harness.js';
import { envFor, generatorFor, loadModel, MODEL_NAME } from './setup.js';

const { start, failure, model } = failureHarness();
const PROTOCOLS: WireProtocol[] = ['ollama', 'openai', 'anthropic'];

describe('429 and 5xx: the SDK retries, then the next generator takes over', () => {
  const both = async (first: WireServer, second: WireServer, maxRetries = 2) => {
    const set = await createGenerators(
      {
        models: [
          'builtin',
          `${first.protocol}:${MODEL_NAME[first.protocol]}`,
          `${second.protocol}:${MODEL_NAME[second.protocol]}`,
        ],
        [first.protocol]: { maxRetries, timeoutMs: 3000 },
        [second.protocol]: { maxRetries, timeoutMs: 3000 },
      },
      { env: { ...envFor(first), ...envFor(second) } },
    );
    expect(set.skipped).toEqual([]);
    return set.withFallback(`${first.protocol}:${MODEL_NAME[first.protocol]}`);
  };

  it('openai 429 x3 (retry-after-ms honoured) -> anthropic answers; the reason is recorded', async () => {
    const openai = await start('openai');
    const anthropic = await start('anthropic');
    const limited = {
      status: 429,
      headers: { 'retry-after-ms': '5' },
      message: 'Rate limit reached for gpt-4o-mini',
    };
    openai.script(limited, limited, limited);
    anthropic.script({ answer: TS_GOOD, inputTokens: 800, outputTokens: 400 });
    const g = await both(openai, anthropic);
    expect(g.id).toBe('openai:gpt-4o-mini');
    const events: GenerationProgress[] = [];
    const r = await g.generate({ language: 'typescript', model: model(), onProgress: (e) => events.push(e) });
    expect(openai.requests).toHaveLength(3); // 1 + maxRetries, by the SDK
    expect(anthropic.requests).toHaveLength(1);
    expect(r.model).toBe('anthropic:claude-3-5-haiku-latest');
    expect(r.fallbacks).toHaveLength(1);
    expect(r.fallbacks?.[0]).toMatchObject({
      from: 'openai:gpt-4o-mini',
      to: 'anthropic:claude-3-5-haiku-latest',
      code: ModelErrorCode.RATE_LIMITED,
    });
    expect(r.fallbacks?.[0].reason).toMatch(/HTTP 429.*after 3 attempts.*Rate limit reached/);
    expect(events.filter((e) => e.phase === 'retry').map((e) => (e as { status?: number }).status)).toEqual([
      429, 429,
    ]);
    expect(events.find((e) => e.phase === 'fallback')).toMatchObject({ code: ModelErrorCode.RATE_LIMITED });
    expect(r.files.map((f) => f.path)).toContain('shop.ts');
  });

  it('anthropic 529 overloaded and 500 -> ollama answers', async () => {
    const anthropic = await start('anthropic');
    const ollama = await start('ollama');
    anthropic.script(
      { status: 529, headers: { 'retry-after-ms': '5' } },
      { status: 500, headers: { 'retry-after-ms': '5' } },
      { status: 529, headers: { 'retry-after-ms': '5' } },
    );
    ollama.script({ answer: TS_GOOD });
    const g = await both(anthropic, ollama);
    const r = await g.generate({ language: 'typescript', model: model() });
    expect(anthropic.requests).toHaveLength(3);
    expect(r.model).toBe('ollama:qwen3');
    expect(r.fallbacks?.[0]).toMatchObject({ code: ModelErrorCode.SERVER_ERROR });
    expect(r.fallbacks?.[0].reason).toMatch(/529/);
  });

  it('ollama (no SDK retries) is retried by the adapter: a 503 then an answer', async () => {
    const ollama = await start('ollama');
    ollama.script(
      { status: 503, headers: { 'retry-after': '0.01' }, message: 'server busy' },
      { answer: TS_GOOD },
    );
    const g = await generatorFor(ollama, { maxRetries: 2 });
    const events: GenerationProgress[] = [];
    const r = await g.generate({ language: 'typescript', model: model(), onProgress: (e) => events.push(e) });
    expect(ollama.requests).toHaveLength(2);
    expect(r.fallbacks).toBeUndefined();
    expect(events.find((e) => e.phase === 'retry')).toMatchObject({ attempt: 2, status: 503 });
  });

  it('an HTML 502 from a proxy is a server error, retried by the SDK', async () => {
    const openai = await start('openai');
    const page = {
      status: 502,
      body: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
      contentType: 'text/html',
      headers: { 'retry-after-ms': '5' },
    };
    openai.script(page, page);
    const g = await generatorFor(openai, { maxRetries: 1 });
    const { err } = await failure(g);
    expect(err.code).toBe(ModelErrorCode.SERVER_ERROR);
    expect(err.type).toMatchObject({ status: 502 });
    expect(err.message).toMatch(/502 Bad Gateway/);
    expect(openai.requests).toHaveLength(2);
  });

  it('when every generator fails, the error lists each failure', async () => {
    const openai = await start('openai');
    const ollama = await start('ollama');
    openai.script(
      { status: 500, headers: { 'retry-after-ms': '1' } },
      { status: 500, headers: { 'retry-after-ms': '1' } },
    );
    ollama.script(
      { status: 429, headers: { 'retry-after': '0.001' } },
      { status: 429, headers: { 'retry-after': '0.001' } },
    );
    const g = await both(openai, ollama, 1);
    const { err } = await failure(g);
    expect(err.code).toBe(ModelErrorCode.FALLBACK_EXHAUSTED);
    expect(err.type).toMatchObject({
      failures: [
        { generator: 'openai:gpt-4o-mini', code: ModelErrorCode.SERVER_ERROR },
        { generator: 'ollama:qwen3', code: ModelErrorCode.RATE_LIMITED },
      ],
    });
  });

  it('a malformed answer does not fall back: another provider would not make the request right', async () => {
    const openai = await start('openai');
    const anthropic = await start('anthropic');
    openai.script({ answer: 'no code at all' });
    const g = await both(openai, anthropic);
    const { err } = await failure(g);
    expect(err.code).toBe(ModelErrorCode.NO_CODE_BLOCKS);
    expect(anthropic.requests).toHaveLength(0);
  });
});

describe('cancellation and concurrency', () => {
  it.each(PROTOCOLS)(
    '%s: aborting mid-stream ends the generation at once with CANCELLED',
    async (protocol) => {
      const s = await start(protocol);
      s.script({ answer: TS_GOOD, pieces: 50, delayMs: 40 });
      const g = await generatorFor(s, { stream: true });
      const ac = new AbortController();
      const { err, ms } = await failure(g, {
        signal: ac.signal,
        onProgress: (e) => {
          if (e.phase === 'stream') ac.abort();
        },
      });
      expect(err.code).toBe(ModelErrorCode.CANCELLED);
      expect(ms).toBeLessThan(1000);
    },
  );

  it('the provider limit holds requests back: concurrency 1 serialises two chunks, 2 runs them together', async () => {
    const { writeRegistry, yaml } = await import('../../helpers/registry.js');
    const attrs = (ns: string) =>
      Array.from({ length: 10 }, (_, i) => [
        `      - id: ${ns}.a${i}`,
        '        type: string',
        '        stability: development',
        `        brief: Attribute ${i} of ${ns}, described at some length so that it takes room in a prompt.`,
      ]).flat();
    const dir = await writeRegistry({
      'registry_manifest.yaml': yaml('name: c', 'semconv_version: 1.0.0'),
      'm.yaml': yaml(
        'groups:',
        '  - id: registry.one',
        '    type: attribute_group',
        '    brief: one',
        '    attributes:',
        ...attrs('one'),
        '  - id: registry.two',
        '    type: attribute_group',
        '    brief: two',
        '    attributes:',
        ...attrs('two'),
      ),
    });
    const two = await loadModel(dir);
    const answer = (req: { body: { messages: { content: string }[] } }) => {
      const ns = /`(one|two)\.ts`/.exec(req.body.messages[1].content)?.[1];
      return {
        answer: `\`\`\`ts\n// file: ${ns}.ts\nexport const X_${ns} = 1;\n\`\`\``,
        pieces: 5,
        delayMs: 60,
      };
    };
    for (const concurrency of [1, 2]) {
      const s = await start('openai');
      s.script(answer, answer);
      const g = await generatorFor(s, {
        contextTokens: 2500,
        maxOutputTokens: 800,
        concurrency,
        stream: true,
      });
      const r = await g.generate({ language: 'typescript', model: two });
      expect(r.chunks).toHaveLength(2);
      const gap = Math.abs(s.requests[1].at - s.requests[0].at);
      if (concurrency === 1) expect(gap).toBeGreaterThan(200);
      else expect(gap).toBeLessThan(150);
    }
  });
});
