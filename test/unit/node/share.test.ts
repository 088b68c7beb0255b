import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import {
  contextFilter,
  DEFAULT_PUBLIC_MODELS,
  parseShare,
  publicModelFilter,
  publishes,
  receives,
  shareText,
} from '../../../node/share.js';
import { DEFAULT_RELEASE_MODEL } from '../../../protocols/anonymizer.js';

const share = (text: string) => {
  const r = parseShare(text);
  if (!r.ok) throw new Error(r.message);
  return r.share;
};

describe('network.share', () => {
  it('parses the four modes; contexts takes languages and context-key globs', () => {
    expect(share('off')).toEqual({ mode: 'off' });
    expect(share(' receive-only ')).toEqual({ mode: 'receive-only' });
    expect(share('all')).toEqual({ mode: 'all' });
    expect(share('contexts:typescript, go,typescript')).toEqual({
      mode: 'contexts',
      contexts: ['typescript', 'go'],
    });
    expect(shareText(share('contexts:typescript, go'))).toBe('contexts:typescript,go');
    expect(share('contexts:go|builtin|*|*,rust')).toEqual({
      mode: 'contexts',
      contexts: ['go|builtin|*|*', 'rust'],
    });
  });

  it('refuses anything else, saying what would do', () => {
    for (const bad of [
      '',
      'on',
      'yes',
      'ALL',
      'contexts',
      'contexts:',
      'contexts: ,',
      'contexts:Go',
      'contexts:go|x',
    ]) {
      const r = parseShare(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/off|receive-only|contexts|language/);
    }
  });

  it('what each mode publishes and receives', () => {
    expect([publishes(share('off')), receives(share('off'))]).toEqual([false, false]);
    expect([publishes(share('receive-only')), receives(share('receive-only'))]).toEqual([false, true]);
    expect([publishes(share('contexts:go')), receives(share('contexts:go'))]).toEqual([true, true]);
    expect([publishes(share('all')), receives(share('all'))]).toEqual([true, true]);
  });

  it('contexts: a language is every context of it; a glob matches within one field', () => {
    const go = contextFilter(share('contexts:go'));
    expect(go('go|builtin|s|e1t0d0m1')).toBe(true);
    expect(go('go|ollama|xl|e0t0d0m0')).toBe(true);
    expect(go('typescript|builtin|s|e1t0d0m1')).toBe(false);
    expect(go('gox|builtin|s|e1t0d0m1')).toBe(false);
    const glob = contextFilter(share('contexts:typescript|builtin|*|*'));
    expect(glob('typescript|builtin|m|e1t1d1m1')).toBe(true);
    expect(glob('typescript|ollama|m|e1t1d1m1')).toBe(false);
    const sized = contextFilter(share('contexts:*|*|s|*'));
    expect(sized('rust|builtin|s|e0t0d0m0')).toBe(true);
    expect(sized('rust|builtin|xs|e0t0d0m0')).toBe(false);
    expect(contextFilter(share('all'))('anything')).toBe(true);
    expect(contextFilter(share('receive-only'))('go|builtin|s|e1t0d0m1')).toBe(false);
  });

  it('comes from the config file, WEAVERGEN_SHARE and flags; receive-only by default; a bad one names its source', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-share-'));
    expect((await loadConfig({ home }, {})).network.share).toBe('receive-only');
    await writeFile(join(home, 'weavergen.config.json'), JSON.stringify({ network: { share: 'all' } }));
    expect((await loadConfig({ home }, {})).network.share).toBe('all');
    expect((await loadConfig({ home }, { WEAVERGEN_SHARE: 'contexts:go, rust' })).network.share).toBe(
      'contexts:go,rust',
    );
    expect(
      (await loadConfig({ home, network: { share: 'off' } }, { WEAVERGEN_SHARE: 'all' })).network.share,
    ).toBe('off');
    await expect(loadConfig({ home }, { WEAVERGEN_SHARE: 'everything' })).rejects.toThrow(
      /network\.share \(from WEAVERGEN_SHARE\).*not a share mode/,
    );
  });

  it('the other network defaults: a 24 h epoch, announce from WEAVERGEN_ANNOUNCE', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-share-'));
    const c = await loadConfig({ home }, {});
    expect(c.network.epochMs).toBe(86_400_000);
    expect(c.network.announce).toBeUndefined();
    expect(c.network.publicModels).toEqual([...DEFAULT_PUBLIC_MODELS]);
    const env = await loadConfig(
      { home },
      {
        WEAVERGEN_ANNOUNCE: '/ip4/203.0.113.7/tcp/4591, /dns4/node.example/tcp/4591',
        WEAVERGEN_EPOCH_MS: '5000',
      },
    );
    expect(env.network.announce).toEqual(['/ip4/203.0.113.7/tcp/4591', '/dns4/node.example/tcp/4591']);
    expect(env.network.epochMs).toBe(5000);
    await expect(loadConfig({ home }, { WEAVERGEN_ANNOUNCE: 'example.com:4591' })).rejects.toThrow(
      /announce/,
    );
  });
});

describe('network.publicModels', () => {
  const isPublic = publicModelFilter(DEFAULT_PUBLIC_MODELS);

  it('the default list: well-known public models, with any size tag where the list says so', () => {
    for (const m of [
      'builtin',
      'openai:gpt-4o',
      'openai:gpt-4o-mini',
      'openai:gpt-4.1',
      'openai:gpt-4.1-nano',
      'openai:o3-mini',
      'openai:o4-mini',
      'openai:gpt-5',
      'openai:gpt-5-mini',
      'anthropic:claude-3-5-haiku-latest',
      'anthropic:claude-sonnet-4-5',
      'ollama:llama3',
      'ollama:llama3.1:8b',
      'ollama:llama3.2:3b-instruct-q4_K_M',
      'ollama:qwen2.5-coder',
      'ollama:qwen2.5-coder:7b',
      'ollama:codellama:13b',
      'ollama:deepseek-coder-v2:16b',
      'ollama:mistral:latest',
      'ollama:gemma2:9b',
      'ollama:phi3:mini',
    ])
      expect(isPublic(m), m).toBe(true);
  });

  it('a team-named model is not on it', () => {
    for (const m of [
      'ollama:acme-billing-ft:v2',
      'ollama:acme-billing-ft',
      'openai:ft:gpt-4o-mini:acme::abc123',
      'openai:gpt-4o-acme',
      'anthropic:acme-claude',
      'ollama:qwen2.5-coder-acme:7b',
      'ollama:mymistral',
      'mistral',
      'openai:gpt-4o:extra',
    ])
      expect(isPublic(m), m).toBe(false);
  });

  it('* matches within one :-separated segment only', () => {
    const f = publicModelFilter(['ollama:*', 'openai:gpt-4*']);
    expect(f('ollama:llama3')).toBe(true);
    expect(f('ollama:llama3:8b')).toBe(false);
    expect(f('openai:gpt-4o')).toBe(true);
    expect(f('openai:gpt-4o:ft')).toBe(false);
    // regex characters in a pattern are literal
    expect(publicModelFilter(['ollama:qwen2.5'])('ollama:qwen2x5')).toBe(false);
    expect(publicModelFilter([])('builtin')).toBe(false);
  });

  it('the anonymizer gets the list and the shape check together', () => {
    const release = (m: string) => DEFAULT_RELEASE_MODEL(m) && isPublic(m);
    expect(release('ollama:llama3.1:8b')).toBe(true);
    // on the list by its name, refused by its shape (upper case, underscores)
    expect(release('ollama:llama3.2:3b-instruct-q4_K_M')).toBe(false);
    expect(release('ollama:acme-billing-ft:v2')).toBe(false);
  });

  it('a bad pattern in the config is refused', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-share-'));
    await writeFile(
      join(home, 'weavergen.config.json'),
      JSON.stringify({ network: { publicModels: ['ollama:a b'] } }),
    );
    await expect(loadConfig({ home }, {})).rejects.toThrow(/publicModels/);
    await writeFile(
      join(home, 'weavergen.config.json'),
      JSON.stringify({ network: { publicModels: ['builtin', 'ollama:acme-*:*'] } }),
    );
    expect((await loadConfig({ home }, {})).network.publicModels).toEqual(['builtin', 'ollama:acme-*:*']);
  });
});
