import type { GenerationContext } from '../learning/context.js';
import type { Arm } from './arms.js';
import type { Optimizer } from './index.js';

/**
 * Safe exploration: the incumbent (the promoted variant, else the pack's defaults) always runs, and
 * the other k-1 candidates are drawn by Thompson sampling among the remaining arms. The winner is
 * the best measured quality, so a user never gets less than the incumbent while the node keeps
 * learning which variants do better.
 */
export async function chooseArms(
  optimizer: Optimizer,
  context: GenerationContext,
  arms: Arm[],
  k: number,
  priors: Record<string, { n: number; sumQ: number; sumQ2?: number }> = {},
): Promise<{ chosen: Arm[]; reason: string; alternatives: string[] }> {
  const builtin = arms.filter((a) => a.model === 'builtin');
  const why: string[] = [];
  const chosen: Arm[] = [];
  const alternatives: string[] = [];
  const show = (a: { arm: Arm; mean: number; n: number }) =>
    `${a.arm.packName} ${JSON.stringify(a.arm.params)} @${a.arm.model} mean=${a.mean.toFixed(3)} n=${a.n}`;
  if (builtin.length > 0) {
    const packName = builtin.find((a) => a.isDefault)?.packName ?? builtin[0].packName;
    const promoted = await optimizer.promoted(context, packName);
    const incumbent =
      (promoted &&
        builtin.find(
          (a) => a.packName === packName && Object.entries(promoted).every(([p, v]) => a.params[p] === v),
        )) ??
      builtin.find((a) => a.isDefault) ??
      builtin[0];
    chosen.push(incumbent);
    why.push(`incumbent: ${promoted ? 'promoted variant' : 'pack defaults'}`);
    const rest = builtin.filter((a) => a !== incumbent);
    if (k > 1 && rest.length > 0) {
      const choice = await optimizer.choose(context, rest, Math.min(k - 1, rest.length), { priors });
      chosen.push(...choice.chosen.map((c) => c.arm));
      why.push(...choice.chosen.map((c) => `challenger by Thompson sampling: ${c.reason}`));
      alternatives.push(...choice.alternatives.map(show));
    }
  }
  // every configured model generator runs too, with its best prompt variant by Thompson sampling
  for (const model of [...new Set(arms.filter((a) => a.model !== 'builtin').map((a) => a.model))]) {
    const choice = await optimizer.choose(
      context,
      arms.filter((a) => a.model === model),
      1,
      { priors },
    );
    chosen.push(...choice.chosen.map((c) => c.arm));
    why.push(...choice.chosen.map((c) => `${model}: ${c.reason}`));
    alternatives.push(...choice.alternatives.map(show));
  }
  return { chosen, reason: why.join('; '), alternatives };
}
