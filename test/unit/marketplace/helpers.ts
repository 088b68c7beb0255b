import type { Random } from '../../../node/optimizer/random.js';
import { createPack, type Pack } from '../../../node/packs/index.js';

export interface SampleOptions {
  name?: string;
  version?: string;
  language?: string;
  description?: string;
  templates?: Record<string, string>;
  files?: string[];
}

/** A small valid pack, built through createPack like any local pack. */
export function samplePack(o: SampleOptions = {}): Pack {
  const templates = o.templates ?? {
    'consts.ts.liquid':
      '{% for a in attributes %}export const {{ a.const_name }} = "{{ a.name }}";\n{% endfor %}',
    'index.ts.liquid': "export * from './consts';\n",
    'parts/doc.liquid': '/** {{ brief }} */',
  };
  const files = o.files ?? ['consts.ts.liquid', 'index.ts.liquid'];
  const manifest = [
    `name: ${o.name ?? 'sample-pack'}`,
    `version: ${o.version ?? '1.2.3'}`,
    `language: ${o.language ?? 'typescript'}`,
    `description: ${JSON.stringify(o.description ?? 'Constants for a registry, one file per namespace')}`,
    'license: Apache-2.0',
    'params:',
    '  style:',
    '    values: [a, b]',
    '    default: a',
    'files:',
    ...files.map(
      (f) => `  - { template: ${JSON.stringify(f)}, output: ${JSON.stringify(f.replace('.liquid', ''))} }`,
    ),
  ].join('\n');
  return createPack(manifest, templates, 'test');
}

/** The same pack with its templates inserted in reverse order (same content, other key order). */
export function reordered(p: Pack): Pack {
  const templates: Record<string, string> = {};
  for (const k of Object.keys(p.templates).reverse()) templates[k] = p.templates[k];
  return { ...p, templates };
}

/** Fisher-Yates with an injected random source, so every shuffle in a test is reproducible. */
export function shuffle<T>(xs: readonly T[], random: Random): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export const utf8 = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);
