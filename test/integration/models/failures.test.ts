import { describe, expect, it } from 'vitest';
import { ModelErrorCode } from '../../../node/models/index.js';
import type { WireProtocol, WireServer } from '../../helpers/wire-servers.js';
import { TS_GOOD } from './answers.js';
import { failureHarness } from './harness.js';
import { generatorFor, MODEL_NAME } from './setup.js';

const { start, failure } = failureHarness();
const PROTOCOLS: WireProtocol[] = ['ollama', 'openai', 'anthropic'];

describe.each(PROTOCOLS)('%s: timeouts', (protocol) => {
  it('a server that never answers: TIMEOUT within the configured timeout', async () => {
    const s = await start(protocol);
    s.script({ hang: true });
    const g = await generatorFor(s, { timeoutMs: 400, maxRetries: 0 });
    const { err, ms } = await failure(g);
    expect(err.code).toBe(ModelErrorCode.TIMEOUT);
    expect(err.message).toMatch(/400 ms/);
    expect(ms).toBeGreaterThanOrEqual(380);
    expect(ms).toBeLessThan(1400);
    expect(s.requests).toHaveLength(1);
  });

  it('retries a hang once (maxRetries 1), then gives up: two requests, two timeouts and a backoff', async () => {
    const s = await start(protocol);
    s.script({ hang: true }, { hang: true });
    const g = await generatorFor(s, { timeoutMs: 300, maxRetries: 1 });
    const { err, ms } = await failure(g);
    expect(err.code).toBe(ModelErrorCode.TIMEOUT);
    expect(s.requests).toHaveLength(2);
    expect(err.type.attempts).toBe(2);
    expect(ms).toBeLessThan(2 * 300 + 1000 + 800);
  });

  it('a stream that stalls after its first bytes: TIMEOUT, with the stall named', async () => {
    const s = await start(protocol);
    s.script({ stall: true, before: '```ts\n// file: shop.ts\n' });
    const g = await generatorFor(s, { timeoutMs: 400, maxRetries: 0, stream: true });
    const { err, ms } = await failure(g);
    expect(err.code).toBe(ModelErrorCode.TIMEOUT);
    expect(err.message).toMatch(/stopped sending/);
    expect(ms).toBeLessThan(1400);
  });
});

describe.each(PROTOCOLS)('%s: malformed answers are typed errors', (protocol) => {
  const cases: [string, Parameters<WireServer['script']>[0], ModelErrorCode, RegExp, { stream?: boolean }][] =
    [
      [
        'no code block',
        { answer: "I'm sorry, I cannot help with that." },
        ModelErrorCode.NO_CODE_BLOCKS,
        /no fenced code block/,
        {},
      ],
      [
        'blocks without file names',
        { answer: '```ts\nexport const A = 1;\n```' },
        ModelErrorCode.NO_FILES,
        /none names its file/,
        {},
      ],
      [
        'a path out of the output folder',
        { answer: '```ts\n// file: ../../etc/passwd.ts\nx\n```' },
        ModelErrorCode.BAD_OUTPUT_PATH,
        /stay inside/,
        {},
      ],
      [
        'cut at the token limit',
        { answer: TS_GOOD.slice(0, 300), finish: protocol === 'anthropic' ? 'max_tokens' : 'length' },
        ModelErrorCode.TRUNCATED,
        /output limit/,
        {},
      ],
      [
        'a stream that ends early',
        { answer: TS_GOOD, endEarly: true },
        ModelErrorCode.TRUNCATED,
        /ended before/,
        { stream: true },
      ],
      [
        'truncated JSON',
        { raw: '{"id":"x","choices":[{"message":{"content":"```ts', contentType: 'application/json' },
        ModelErrorCode.BAD_RESPONSE,
        /invalid JSON|JSON/,
        { stream: false },
      ],
      [
        'an HTML page with status 200',
        {
          raw: '<!DOCTYPE html><html><head><title>Gateway login</title></head><body>Sign in</body></html>',
          contentType: 'text/html',
        },
        ModelErrorCode.BAD_RESPONSE,
        /Gateway login|text\/html/,
        { stream: false },
      ],
      [
        'an HTML page in place of a stream',
        { raw: '<html><head><title>Proxy error</title></head></html>', contentType: 'text/html' },
        ModelErrorCode.BAD_RESPONSE,
        /text\/html/,
        { stream: true },
      ],
      [
        'a stream line that is not JSON',
        protocol === 'ollama'
          ? {
              raw: '{"message":{"content":"a"},"done":false}\n{not json\n',
              contentType: 'application/x-ndjson',
            }
          : protocol === 'openai'
            ? { raw: 'data: {"broken": \n\n', contentType: 'text/event-stream' }
            : { raw: 'event: message_start\ndata: {"broken": \n\n', contentType: 'text/event-stream' },
        ModelErrorCode.BAD_RESPONSE,
        /JSON/,
        { stream: true },
      ],
    ];
  it.each(cases)('%s', async (_name, reply, code, message, tuning) => {
    const s = await start(protocol);
    s.script(reply);
    const g = await generatorFor(s, { maxRetries: 0, ...tuning });
    const { err } = await failure(g);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.type.generator).toBe(`${protocol}:${MODEL_NAME[protocol]}`);
  });
});

describe('refusals', () => {
  it('an OpenAI refusal and an Anthropic stop_reason "refusal" are REFUSED', async () => {
    const openai = await start('openai');
    openai.script({
      raw: JSON.stringify({
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, refusal: "I can't help with that." },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
      contentType: 'application/json',
    });
    const anthropic = await start('anthropic');
    anthropic.script({ answer: '', finish: 'refusal' });
    for (const [s, stream] of [
      [openai, false],
      [anthropic, true],
    ] as const) {
      const { err } = await failure(await generatorFor(s, { stream }));
      expect(err.code).toBe(ModelErrorCode.REFUSED);
      expect(err.type.usage?.inputTokens).toBeGreaterThan(0);
    }
  });
});
