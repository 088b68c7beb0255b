import type { GenerationContext } from '../learning/context.js';
import { featuresOf } from '../learning/features.js';
import { type Rule, ruleText } from '../learning/rules.js';
import type { Arm } from './arms.js';
import type { ArmPrior } from './thompson.js';

/**
 * Items naming the arm (featuresOf): its pack, a param value, its model. Not `model=builtin`: every
 * template arm has it, so a rule on it speaks of the shape, not of an arm.
 */
const ARM_ITEM = /^(pack=|param\.|model=(?!builtin$))/;
/** Items naming the context's shape (featuresOf): not the generator, which every builtin context shares. */
const SHAPE_ITEM = /^(language|size|enums|templates|deprecated|metrics)=/;

/** A failure rule that holds an arm back in a context, and the prior it stands for. */
export interface Steer {
  rule: Rule;
  /** the rule as people read it, with its measures */
  text: string;
  /** pseudo-observations at the quality of the rule's rows */
  prior: ArmPrior;
}

/**
 * The mined rules that may steer a choice: informative (lift and improvement above the thresholds,
 * not a duplicate), predicting a compile failure or low quality, naming both something of the arm
 * (pack, param value or model) and something of the context's shape, and knowing how the rows they
 * rest on scored.
 */
export function steeringRules(rules: readonly Rule[]): Rule[] {
  return rules.filter(
    (r) =>
      r.informative &&
      (r.consequent === 'compile_failure' || r.consequent === 'low_quality') &&
      !!r.q &&
      r.q.n > 0 &&
      r.antecedent.some((i) => ARM_ITEM.test(i)) &&
      r.antecedent.some((i) => SHAPE_ITEM.test(i)),
  );
}

/**
 * The steering rule an arm matches in a context (its antecedent holds for the context and the arm),
 * the most severe when several do (lowest mean q of their rows, then highest confidence). Its prior
 * is `strength` pseudo-observations (at most the rule's rows) at that mean and spread: enough to rank
 * the arm late among arms never tried here, and outweighed by the arm's own outcomes once it is tried.
 */
export function steerFor(
  rules: readonly Rule[],
  context: GenerationContext,
  arm: Pick<Arm, 'packName' | 'params' | 'model'>,
  strength: number,
): Steer | undefined {
  if (rules.length === 0 || strength <= 0) return undefined;
  const items = new Set(featuresOf({ context, arm }));
  let best: Rule | undefined;
  for (const r of rules) {
    if (!r.q || !r.antecedent.every((i) => items.has(i))) continue;
    if (!best?.q || r.q.mean < best.q.mean || (r.q.mean === best.q.mean && r.confidence > best.confidence))
      best = r;
  }
  if (!best?.q) return undefined;
  const { mean, sd } = best.q;
  const n = Math.min(strength, best.q.n);
  return {
    rule: best,
    text:
      `rule \`${ruleText(best)}\` (confidence ${best.confidence.toFixed(2)}, lift ${best.lift.toFixed(2)}; ` +
      `mean q ${mean.toFixed(3)} over ${best.q.n} outcomes)`,
    prior: { n, sumQ: n * mean, sumQ2: n * (sd * sd + mean * mean) },
  };
}
