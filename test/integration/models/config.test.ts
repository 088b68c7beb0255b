import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TemplateRegistry } from '../../../node/generation/index.js';
import {
  createGenerators,
  findPromptPack,
  ModelError,
  ModelErrorCode,
  type ModelsConfig,
} from '../../../node/models/index.js';
import { findPack } from '../../../node/packs/index.js';
import { createValidator } from '../../../node/validation/index.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';
import { envFor, loadModel, MODEL_NAME } from './setup.js';

let model: TemplateRegistry;
const servers: WireServer[] = [];

beforeAll(async () => {
  model = await loadModel();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<string> {
  const s = await startWireServer('ollama');
  await s.close();
  return s.url;
}

describe('createGenerators', () => {
  it('skips what is not configured with a clear message; builtin always runs', async () => {
    const set = await createGenerators(
      { models: 'builtin,openai:gpt-4o-mini,anthropic:claude-3-5-haiku-latest' },
      { env: {} },
    );
    expect(set.generators.map((g) => g.id)).toEqual(['builtin']);
    expect(set.skipped.map((s) => s.message)).toEqual([
      'openai:gpt-4o-mini skipped: OPENAI_API_KEY is not set',
      'anthropic:claude-3-5-haiku-latest skipped: ANTHROPIC_API_KEY is not set',
    ]);
    expect(set.skipped.every((s) => s.code === ModelErrorCode.NOT_CONFIGURED)).toBe(true);
  });

  it('reads WEAVERGEN_MODELS and the SDKs own variables; builtin comes first even when not listed', async () => {
    const openai = await startWireServer('openai', { models: ['gpt-4o-mini'] });
    const anthropic = await startWireServer('anthropic', { models: ['claude-3-5-haiku-latest'] });
    const ollama = await startWireServer('ollama', { models: ['qwen3:8b'] });
    servers.push(openai, anthropic, ollama);
    const set = await createGenerators(
      {},
      {
        env: {
          WEAVERGEN_MODELS: 'ollama:qwen3:8b, openai:gpt-4o-mini,anthropic:claude-3-5-haiku-latest',
          ...envFor(openai),
          ...envFor(anthropic),
          ...envFor(ollama),
        },
      },
    );
    expect(set.skipped).toEqual([]);
    expect(set.generators.map((g) => [g.id, g.kind, g.modelName])).toEqual([
      ['builtin', 'builtin', 'builtin'],
      ['ollama:qwen3:8b', 'ollama', 'qwen3:8b'],
      ['openai:gpt-4o-mini', 'openai', 'gpt-4o-mini'],
      ['anthropic:claude-3-5-haiku-latest', 'anthropic', 'claude-3-5-haiku-latest'],
    ]);
    // each was probed once, through its SDK, with its key
    expect(ollama.probes.map((p) => p.path)).toEqual(['/api/tags']);
    expect(openai.probes.map((p) => p.path)).toEqual(['/v1/models/gpt-4o-mini']);
    expect(openai.probes[0].headers.authorization).toBe('Bearer sk-wire-test');
    expect(anthropic.probes.map((p) => p.path)).toEqual(['/v1/models/claude-3-5-haiku-latest']);
  });

  it('skips a server that does not answer, naming where it looked', async () => {
    const url = await closedPort();
    const set = await createGenerators(
      { models: 'ollama:qwen3,openai:gpt-4o-mini' },
      {
        env: { OLLAMA_HOST: url, OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: `${url}/v1` },
      },
    );
    expect(set.generators.map((g) => g.id)).toEqual(['builtin']);
    const [o, a] = set.skipped;
    expect(o.code).toBe(ModelErrorCode.UNREACHABLE);
    expect(o.message).toMatch(
      new RegExp(`^ollama:qwen3 skipped: Ollama at ${url} is unreachable: ECONNREFUSED`),
    );
    expect(a.code).toBe(ModelErrorCode.UNREACHABLE);
    expect(a.message).toMatch(/^openai:gpt-4o-mini skipped: OpenAI at .* is unreachable/);
  });

  it('skips a model the server does not have, and a key the server refuses', async () => {
    const ollama = await startWireServer('ollama', { models: ['llama3.2'] });
    const openai = await startWireServer('openai', { models: ['gpt-4o-mini'], keys: ['sk-right'] });
    const anthropic = await startWireServer('anthropic', { models: ['claude-3-5-haiku-latest'] });
    servers.push(ollama, openai, anthropic);
    const set = await createGenerators(
      { models: 'ollama:qwen3,openai:gpt-4o-mini,anthropic:claude-2' },
      { env: { ...envFor(ollama), ...envFor(openai), ...envFor(anthropic) } },
    );
    expect(set.generators.map((g) => g.id)).toEqual(['builtin']);
    expect(set.skipped.map((s) => s.code)).toEqual([
      ModelErrorCode.MODEL_NOT_FOUND,
      ModelErrorCode.AUTH,
      ModelErrorCode.MODEL_NOT_FOUND,
    ]);
    expect(set.skipped[0].message).toMatch(
      /has no model qwen3 \(ollama pull qwen3\); it has: llama3\.2:latest/,
    );
    expect(set.skipped[1].message).toMatch(/the key was refused \(HTTP 401\)/);
    expect(set.skipped[2].message).toMatch(/does not offer the model claude-2/);
  });

  it('reports unknown providers and entries without a model', async () => {
    const set = await createGenerators({ models: ['mistral:large', 'openai', 'builtin'] }, { env: {} });
    expect(set.generators.map((g) => g.id)).toEqual(['builtin']);
    expect(set.skipped.map((s) => s.message)).toEqual([
      'mistral:large skipped: unknown provider "mistral" (use builtin, ollama:<model>, openai:<model> or anthropic:<model>)',
      'openai skipped: no model given (e.g. openai:<model>)',
    ]);
  });

  it('does not contact anything with probe: false', async () => {
    const openai = await startWireServer('openai', { models: [] });
    servers.push(openai);
    const set = await createGenerators(
      { models: 'openai:gpt-4o-mini', probe: false },
      { env: envFor(openai) },
    );
    expect(set.generators.map((g) => g.id)).toEqual(['builtin', 'openai:gpt-4o-mini']);
    expect(openai.probes).toEqual([]);
  });

  it('rejects an invalid configuration with a typed error', async () => {
    await expect(
      createGenerators({ openai: { maxRetries: -1 } } as ModelsConfig, { env: {} }),
    ).rejects.toMatchObject({ code: ModelErrorCode.INVALID_CONFIG, message: /openai\.maxRetries/ });
  });

  it('applies per-model settings over the provider ones (seen on the wire)', async () => {
    const ollama = await startWireServer('ollama', { models: ['qwen3', 'qwen3:32b'] });
    servers.push(ollama);
    const set = await createGenerators(
      {
        models: 'ollama:qwen3,ollama:qwen3:32b',
        ollama: { contextTokens: 16_384, keepAlive: '10m' },
        perModel: { 'ollama:qwen3:32b': { contextTokens: 40_000, stream: false } },
      },
      { env: envFor(ollama) },
    );
    const { TS_GOOD } = await import('./answers.js');
    ollama.script({ answer: TS_GOOD }, { answer: TS_GOOD });
    await set.get('ollama:qwen3')!.generate({ language: 'typescript', model });
    await set.get('ollama:qwen3:32b')!.generate({ language: 'typescript', model });
    expect(
      ollama.requests.map((r) => [r.body.model, r.body.options.num_ctx, r.body.stream, r.body.keep_alive]),
    ).toEqual([
      ['qwen3', 16_384, true, '10m'],
      ['qwen3:32b', 40_000, false, '10m'],
    ]);
  });
});

describe('packs and generators', () => {
  it('builtin renders the language template pack, free and deterministic, and the result validates', async () => {
    const set = await createGenerators({}, { env: {} });
    const builtin = set.get('builtin')!;
    const r = await builtin.generate({ language: 'typescript', model });
    expect(r).toMatchObject({
      model: 'builtin',
      kind: 'builtin',
      pack: { name: 'typescript-semconv', kind: 'template' },
    });
    expect(r.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0, priced: true });
    const v = await createValidator().validate({
      language: 'typescript',
      files: r.files,
      model,
      scope: r.scope,
    });
    expect(v.toolchain.status).toBe('passed');
  });

  it('a prompt pack given to builtin, a template pack to an LLM, or another language: BAD_PACK', async () => {
    const openai = await startWireServer('openai', { models: [MODEL_NAME.openai] });
    servers.push(openai);
    const set = await createGenerators({ models: 'openai:gpt-4o-mini' }, { env: envFor(openai) });
    const builtin = set.get('builtin')!;
    const llm = set.get('openai:gpt-4o-mini')!;
    const prompt = await findPromptPack('typescript');
    const template = await findPack('typescript');
    const expectBadPack = async (p: Promise<unknown>, message: RegExp) => {
      const e = (await p.catch((x) => x)) as ModelError;
      expect(e).toBeInstanceOf(ModelError);
      expect(e.code).toBe(ModelErrorCode.BAD_PACK);
      expect(e.message).toMatch(message);
    };
    await expectBadPack(
      builtin.generate({ language: 'typescript', model, pack: prompt }),
      /needs a template pack/,
    );
    await expectBadPack(
      llm.generate({ language: 'typescript', model, pack: template }),
      /need a prompt pack/,
    );
    await expectBadPack(
      llm.generate({ language: 'python', model, pack: prompt }),
      /is for typescript, not python/,
    );
    await expectBadPack(
      llm.generate({ language: 'typescript', model, params: { detail: 'everything' } }),
      /detail=everything is not allowed/,
    );
    expect(openai.requests).toEqual([]);
  });

  it('the prompt pack param reaches the prompt: detail=brief leaves notes and examples out', async () => {
    const openai = await startWireServer('openai', { models: [MODEL_NAME.openai] });
    servers.push(openai);
    const { TS_GOOD } = await import('./answers.js');
    openai.script({ answer: TS_GOOD }, { answer: TS_GOOD });
    const set = await createGenerators({ models: 'openai:gpt-4o-mini' }, { env: envFor(openai) });
    const g = set.get('openai:gpt-4o-mini')!;
    const full = await g.generate({ language: 'typescript', model });
    const brief = await g.generate({ language: 'typescript', model, params: { detail: 'brief' } });
    expect(full.params).toEqual({ detail: 'full' });
    expect(brief.params).toEqual({ detail: 'brief' });
    const user = (i: number) => openai.requests[i].body.messages[1].content as string;
    expect(user(0)).toContain('Examples: ord-4711');
    expect(user(1)).not.toContain('Examples:');
    expect(user(1).length).toBeLessThan(user(0).length);
  });
});
