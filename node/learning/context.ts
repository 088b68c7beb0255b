import type { Language, TemplateRegistry } from '../generation/index.js';

export type GeneratorKind = 'builtin' | 'ollama' | 'openai' | 'anthropic';
export type SizeBucket = 'xs' | 's' | 'm' | 'l' | 'xl';

/**
 * The context of a generation: what learning and the optimizer condition on (DESIGN.md). Coarse on
 * purpose: never names, paths or content, so it can later leave the node in digests.
 */
export interface GenerationContext {
  language: Language;
  generator: GeneratorKind;
  sizeBucket: SizeBucket;
  hasEnums: boolean;
  hasTemplates: boolean;
  hasDeprecated: boolean;
  hasMetrics: boolean;
}

export function sizeBucket(symbols: number): SizeBucket {
  if (symbols < 20) return 'xs';
  if (symbols < 100) return 's';
  if (symbols < 500) return 'm';
  if (symbols < 2000) return 'l';
  return 'xl';
}

export function contextOf(
  model: TemplateRegistry,
  language: Language,
  generator: GeneratorKind = 'builtin',
): GenerationContext {
  const members = model.attributes.reduce((n, a) => n + a.members.length, 0);
  return {
    language,
    generator,
    sizeBucket: sizeBucket(model.attributes.length + members + model.metrics.length + model.events.length),
    hasEnums: model.attributes.some((a) => a.is_enum),
    hasTemplates: model.attributes.some((a) => a.is_template),
    hasDeprecated: [...model.attributes, ...model.metrics, ...model.events].some((x) => x.is_deprecated),
    hasMetrics: model.metrics.length > 0,
  };
}

/** Stable string form, e.g. `typescript|builtin|xl|e1t1d1m1`. */
export function contextKey(c: GenerationContext): string {
  const b = (x: boolean) => (x ? 1 : 0);
  return `${c.language}|${c.generator}|${c.sizeBucket}|e${b(c.hasEnums)}t${b(c.hasTemplates)}d${b(c.hasDeprecated)}m${b(c.hasMetrics)}`;
}

export function parseContextKey(key: string): GenerationContext | undefined {
  const m = /^([a-z]+)\|([a-z]+)\|(xs|s|m|l|xl)\|e([01])t([01])d([01])m([01])$/.exec(key);
  if (!m) return undefined;
  return {
    language: m[1] as Language,
    generator: m[2] as GeneratorKind,
    sizeBucket: m[3] as SizeBucket,
    hasEnums: m[4] === '1',
    hasTemplates: m[5] === '1',
    hasDeprecated: m[6] === '1',
    hasMetrics: m[7] === '1',
  };
}
