import type { Store } from '../storage/index.js';

/** A variant's standing when a promotion was decided. */
export interface VariantSummary {
  params: Record<string, string>;
  paramsHash: string;
  n: number;
  meanQ: number;
  /** posterior probability that the promoted variant is better than this one */
  pBetter?: number;
  /** peers' pseudo-observations in its posterior, and that posterior's mean (when peers counted) */
  priorN?: number;
  posteriorMean?: number;
  role: 'promoted' | 'incumbent' | 'other';
}

/**
 * A promotion decision (the optimizer writes it, insights read it): the pack's variant that
 * becomes the one to use in a context, with the evidence (candidate span ids) that justified it.
 */
export interface PromotionDecision {
  step: 'promotion';
  context: string;
  packName: string;
  packId: string;
  /** variants are compared under one model: a model changes the output as much as params do */
  model: string;
  choice: VariantSummary;
  alternatives: VariantSummary[];
  reason: string;
  /** candidate span ids of the promoted variant and of the incumbent (the latest 32 of each) */
  evidence: string[];
  /** epoch ms */
  at: number;
}

/** What is in force for a (context, pack, model): the latest promotion. */
export interface PromotedPointer {
  params: Record<string, string>;
  paramsHash: string;
  decisionKey: string;
  at: number;
}

/**
 * Key layout in the 'decisions' sublevel (shared with the reasoning part, hence the prefixes):
 * `promotion!<context>!<pack>!<at>!<params hash>!<model>` for the history,
 * `promoted!<context>!<pack>!<model>` for the one in force. Contexts and pack names never hold `!`.
 */
export const promotionKey = (
  context: string,
  packName: string,
  at: number,
  paramsHash: string,
  model: string,
) => `promotion!${context}!${packName}!${Math.floor(at).toString().padStart(15, '0')}!${paramsHash}!${model}`;
export const promotedKey = (context: string, packName: string, model: string) =>
  `promoted!${context}!${packName}!${model}`;

export async function readPromotions(store: Store, context?: string): Promise<PromotionDecision[]> {
  const rows = await store.scan<PromotionDecision>('decisions', {
    prefix: context ? `promotion!${context}!` : 'promotion!',
  });
  return rows.map(([, v]) => v).sort((a, b) => a.at - b.at);
}

export async function readPromoted(
  store: Store,
  context: string,
  packName: string,
  model: string,
): Promise<PromotedPointer | undefined> {
  return store.get<PromotedPointer>('decisions', promotedKey(context, packName, model));
}

export async function readAllPromoted(
  store: Store,
): Promise<{ context: string; packName: string; model: string; pointer: PromotedPointer }[]> {
  return (await store.scan<PromotedPointer>('decisions', { prefix: 'promoted!' })).map(([k, pointer]) => {
    const [, context, packName, ...model] = k.split('!');
    return { context, packName, model: model.join('!'), pointer };
  });
}
