/** US dollars per million tokens. */
export interface Price {
  inputPerMTok: number;
  outputPerMTok: number;
}

export type PriceTable = Record<string, Price>;

/**
 * List prices (USD per 1M tokens) of common models, keyed by generator id prefix; the longest
 * matching prefix wins, so `openai:gpt-4o-mini-2024-07-18` takes the `openai:gpt-4o-mini` price.
 * Prices change: the configuration's `prices` override and extend this table. Local Ollama models
 * cost nothing per token.
 */
export const DEFAULT_PRICES: PriceTable = {
  'ollama:': { inputPerMTok: 0, outputPerMTok: 0 },
  'openai:gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'openai:gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'openai:gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'openai:gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'openai:gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'openai:gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'openai:gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'openai:gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'openai:o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'anthropic:claude-3-haiku': { inputPerMTok: 0.25, outputPerMTok: 1.25 },
  'anthropic:claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'anthropic:claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'anthropic:claude-3-5-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'anthropic:claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'anthropic:claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15 },
  'anthropic:claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75 },
  'anthropic:claude-opus-4-5': { inputPerMTok: 5, outputPerMTok: 25 },
};

export interface Pricing {
  /** the price of a generator id, or undefined when the table has none */
  priceOf(generatorId: string): Price | undefined;
  /** cost in USD of the given usage; `priced: false` when the model has no price (cost then 0) */
  cost(generatorId: string, inputTokens: number, outputTokens: number): { costUsd: number; priced: boolean };
}

export function createPricing(overrides: PriceTable = {}): Pricing {
  const table: PriceTable = { ...DEFAULT_PRICES, ...overrides };
  const keys = Object.keys(table).sort((a, b) => b.length - a.length);
  const priceOf = (id: string) => {
    const key = keys.find((k) => id === k || id.startsWith(k));
    return key === undefined ? undefined : table[key];
  };
  return {
    priceOf,
    cost(id, inputTokens, outputTokens) {
      const p = priceOf(id);
      if (!p) return { costUsd: 0, priced: false };
      // rounded to a millionth of a cent so sums stay readable
      const usd = (inputTokens * p.inputPerMTok + outputTokens * p.outputPerMTok) / 1_000_000;
      return { costUsd: Math.round(usd * 1e8) / 1e8, priced: true };
    },
  };
}
