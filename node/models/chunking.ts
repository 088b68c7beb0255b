import type {
  TemplateAttribute,
  TemplateNamespace,
  TemplateRegistry,
  TemplateSignal,
} from '../generation/template-model.js';
import { ModelError, ModelErrorCode } from './errors.js';

/** One prompt's share of the registry: whole root namespaces, or one part of a namespace too big alone. */
export interface RegistryChunk {
  /** stable across rounds for the same registry and budget: `http+url`, `aws#2/3` */
  id: string;
  /** 1-based */
  index: number;
  count: number;
  namespaces: string[];
  /** 1-based part of a split namespace; 1 of 1 otherwise */
  part: number;
  parts: number;
  registry: TemplateRegistry;
  /** estimated tokens of the chunk's registry content in the prompt */
  tokens: number;
}

export interface ChunkOptions {
  /** most content tokens one chunk may carry */
  budgetTokens: number;
  /** content tokens of a registry in the prompt (the prompt without it subtracted) */
  measure: (registry: TemplateRegistry) => number;
  generator?: string;
}

/** `chars / charsPerToken`, the usual rough estimate for English text and code. */
export const estimateTokens = (text: string, charsPerToken = 4): number =>
  Math.ceil(text.length / charsPerToken);

/** A registry restricted to some namespaces (its flat lists rebuilt from them, sorted as the original). */
export function subRegistry(model: TemplateRegistry, namespaces: TemplateNamespace[]): TemplateRegistry {
  return {
    name: model.name,
    version: model.version,
    schema_url: model.schema_url,
    attributes: namespaces.flatMap((n) => n.attributes),
    metrics: namespaces.flatMap((n) => n.metrics),
    events: namespaces.flatMap((n) => n.events),
    namespaces,
  };
}

/**
 * Splits the registry into chunks that each fit `budgetTokens`: root namespaces are packed in their
 * (sorted) order, so the chunking is deterministic and the same registry gives the same chunk ids in a
 * correction round; a namespace larger than the budget is split into parts at item boundaries
 * (an enum attribute and its members are one item). An item larger than the budget alone is an error:
 * the context window is too small for this registry.
 */
export function chunkRegistry(model: TemplateRegistry, opts: ChunkOptions): RegistryChunk[] {
  const { budgetTokens: budget, measure } = opts;
  if (!(budget > 0))
    throw new ModelError(
      { code: ModelErrorCode.CONTEXT_TOO_SMALL, generator: opts.generator },
      `the context window leaves no room for the registry (budget ${Math.floor(budget)} tokens)`,
    );
  type Draft = { namespaces: TemplateNamespace[]; part: number; parts: number; tokens: number };
  const drafts: Draft[] = [];
  let current: Draft | undefined;
  const flush = () => {
    if (current?.namespaces.length) drafts.push(current);
    current = undefined;
  };
  for (const ns of model.namespaces) {
    const size = measure(subRegistry(model, [ns]));
    if (size > budget) {
      flush();
      const parts = splitNamespace(model, ns, budget, measure, opts.generator);
      parts.forEach((p, i) => {
        drafts.push({ namespaces: [p.namespace], part: i + 1, parts: parts.length, tokens: p.tokens });
      });
      continue;
    }
    if (current && current.tokens + size > budget) flush();
    current ??= { namespaces: [], part: 1, parts: 1, tokens: 0 };
    current.namespaces.push(ns);
    current.tokens += size;
  }
  flush();
  // sizes are nearly additive; check the packed chunks for real and move the overflow on
  const checked: Draft[] = [];
  for (const d of drafts) {
    let rest = d;
    while (rest.namespaces.length > 1) {
      const real = measure(subRegistry(model, rest.namespaces));
      if (real <= budget) break;
      const head = rest.namespaces.slice(0, -1);
      const last = rest.namespaces[rest.namespaces.length - 1];
      checked.push({ ...rest, namespaces: head, tokens: measure(subRegistry(model, head)) });
      rest = { namespaces: [last], part: 1, parts: 1, tokens: measure(subRegistry(model, [last])) };
    }
    checked.push(rest);
  }
  return checked.map((d, i) => ({
    id: `${d.namespaces.map((n) => n.name).join('+')}${d.parts > 1 ? `#${d.part}/${d.parts}` : ''}`,
    index: i + 1,
    count: checked.length,
    namespaces: d.namespaces.map((n) => n.name),
    part: d.part,
    parts: d.parts,
    registry: subRegistry(model, d.namespaces),
    tokens: d.tokens,
  }));
}

type Item =
  | { kind: 'attribute'; value: TemplateAttribute }
  | { kind: 'metric'; value: TemplateSignal }
  | { kind: 'event'; value: TemplateSignal };

const namespaceOf = (name: string, items: Item[]): TemplateNamespace => ({
  name,
  attributes: items.flatMap((i) => (i.kind === 'attribute' ? [i.value] : [])),
  metrics: items.flatMap((i) => (i.kind === 'metric' ? [i.value] : [])),
  events: items.flatMap((i) => (i.kind === 'event' ? [i.value] : [])),
});

function splitNamespace(
  model: TemplateRegistry,
  ns: TemplateNamespace,
  budget: number,
  measure: (r: TemplateRegistry) => number,
  generator?: string,
): { namespace: TemplateNamespace; tokens: number }[] {
  const items: Item[] = [
    ...ns.attributes.map((value) => ({ kind: 'attribute' as const, value })),
    ...ns.metrics.map((value) => ({ kind: 'metric' as const, value })),
    ...ns.events.map((value) => ({ kind: 'event' as const, value })),
  ];
  const sizeOf = (group: Item[]) => measure(subRegistry(model, [namespaceOf(ns.name, group)]));
  const sizes = items.map((i) => sizeOf([i]));
  const tooBig = sizes.findIndex((s) => s > budget);
  if (tooBig >= 0) {
    const it = items[tooBig];
    throw new ModelError(
      { code: ModelErrorCode.CONTEXT_TOO_SMALL, generator },
      `${it.kind} ${'key' in it.value ? it.value.key : it.value.name} alone needs about ${sizes[tooBig]} tokens, more than the ${Math.floor(budget)} a chunk may hold: configure a larger context window`,
    );
  }
  // greedy packing on item sizes; re-pack tighter when a packed part measures over the budget
  for (let target = budget; target > 0; target = Math.floor(target * 0.85)) {
    const groups: Item[][] = [];
    let group: Item[] = [];
    let sum = 0;
    items.forEach((item, i) => {
      if (group.length && sum + sizes[i] > target) {
        groups.push(group);
        group = [];
        sum = 0;
      }
      group.push(item);
      sum += sizes[i];
    });
    if (group.length) groups.push(group);
    const measured = groups.map((g) => ({ namespace: namespaceOf(ns.name, g), tokens: sizeOf(g) }));
    if (measured.every((m) => m.tokens <= budget) || groups.every((g) => g.length === 1)) return measured;
  }
  return items.map((i, k) => ({ namespace: namespaceOf(ns.name, [i]), tokens: sizes[k] }));
}
