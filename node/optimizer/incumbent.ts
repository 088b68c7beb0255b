import type { GenerationContext } from '../learning/context.js';
import { type Arm, BUILTIN_MODEL } from './arms.js';
import { type ArmAssessment, usd } from './assess.js';
import type { ArmChoice, Optimizer } from './index.js';
import { type ArmPrior, probabilityBetter } from './thompson.js';

/**
 * Safe exploration: the incumbent (the promoted variant, else the pack's defaults) always runs, and
 * the other k-1 candidates are drawn by Thompson sampling among the remaining arms. The winner is
 * the best measured quality, so a user never gets less than the incumbent while the node keeps
 * learning which variants do better.
 *
 * Three things the evidence changes:
 * - Peers. Where no variant was promoted here, peers' evidence (the network's priors: a
 *   trust-weighted robust aggregate, counted as the network rule says, so local outcomes take over
 *   as they accumulate) makes a variant the incumbent when it would win a promotion on that
 *   evidence: the variant has peers' evidence, both it and the pack defaults have at least the
 *   promotion's minN outcomes counting peers', P(better) >= its minProbability and the gain >= its
 *   minGain. The defaults then run as a challenger only when drawn.
 * - Rules. In a new context (fewer outcomes of its own than the optimizer's freshOutcomes) where an
 *   informative mined rule says the pack defaults fail on this shape (steering.ts), the incumbent is
 *   instead the arm with the highest posterior mean among those no failure rule names here, and a
 *   model every variant of which a rule names is not run; the rule is cited. Arms a rule names are
 *   drawn later as challengers (the optimizer's prior) wherever they were never tried.
 * - Cost. Every configured model runs with its prompt variant by Thompson sampling, unless an arm
 *   already reaches the bar in the context (the optimizer's cost rule): a template arm among the
 *   chosen reaching it means no model runs; else the cheapest model arm reaching it runs, plus the
 *   models not yet tried enough here that may be cheaper, and the dearer ones do not.
 */
export async function chooseArms(
  optimizer: Optimizer,
  context: GenerationContext,
  arms: Arm[],
  k: number,
  priors: Record<string, ArmPrior> = {},
): Promise<{ chosen: Arm[]; reason: string; alternatives: string[] }> {
  const builtin = arms.filter((a) => a.model === BUILTIN_MODEL);
  const why: string[] = [];
  const chosen: Arm[] = [];
  const alternatives: string[] = [];
  const show = (a: { arm: Arm; mean: number; n: number }) =>
    `${label(a.arm)} mean=${a.mean.toFixed(3)} n=${a.n}`;
  if (builtin.length > 0) {
    const packName = builtin.find((a) => a.isDefault)?.packName ?? builtin[0].packName;
    const promoted = await optimizer.promoted(context, packName);
    const promotedArm =
      promoted &&
      builtin.find(
        (a) => a.packName === packName && Object.entries(promoted).every(([p, v]) => a.params[p] === v),
      );
    let incumbent = promotedArm || (builtin.find((a) => a.isDefault) ?? builtin[0]);
    let because = promotedArm ? 'promoted variant' : 'pack defaults';
    const hasPriors = Object.keys(priors).length > 0;
    const assessed =
      !promotedArm && (optimizer.settings.rules || hasPriors)
        ? await optimizer.assess(context, builtin, { priors })
        : [];
    if (!promotedArm && optimizer.settings.rules) {
      const mine = assessed.find((a) => a.arm === incumbent);
      // only while the context is new: then its own outcomes and the promotion review decide
      const held = mine && mine.contextN < optimizer.settings.freshOutcomes ? mine.steer : undefined;
      const best = assessed
        .filter((a) => !a.steer)
        .reduce<ArmAssessment | undefined>(
          (b, a) => (!b || a.posterior.mean > b.posterior.mean ? a : b),
          undefined,
        );
      if (held && best) {
        incumbent = best.arm;
        because =
          `${label(best.arm)} in place of the pack defaults, held back here by ${held.text}: ` +
          `highest posterior mean q ${f3(best.posterior.mean)} (${evidence(best)}) among the arms no failure rule names here`;
      }
    }
    const preferred =
      !promotedArm && incumbent.isDefault && hasPriors
        ? preferredByPeers(assessed, incumbent, optimizer)
        : undefined;
    if (preferred) {
      incumbent = preferred.arm;
      because = preferred.reason;
    }
    chosen.push(incumbent);
    why.push(`incumbent: ${because}`);
    const rest = builtin.filter((a) => a !== incumbent);
    if (k > 1 && rest.length > 0) {
      const choice = await optimizer.choose(context, rest, Math.min(k - 1, rest.length), { priors });
      chosen.push(...choice.chosen.map((c) => c.arm));
      why.push(...choice.chosen.map((c) => `challenger by Thompson sampling: ${c.reason}`));
      alternatives.push(...choice.alternatives.map(show));
    }
  }

  // every configured model generator, with its prompt variant by Thompson sampling
  const modelArms = arms.filter((a) => a.model !== BUILTIN_MODEL);
  const picks: { model: string; pick: ArmChoice }[] = [];
  const models = [...new Set(modelArms.map((a) => a.model))];
  // in a new context, a model every variant of which a failure rule names for this shape is not run,
  // as long as something else runs
  const modelsAssessed =
    optimizer.settings.rules && models.length > 0
      ? await optimizer.assess(context, modelArms, { priors })
      : [];
  const fresh = (modelsAssessed[0]?.contextN ?? Number.POSITIVE_INFINITY) < optimizer.settings.freshOutcomes;
  const steers = new Map(modelsAssessed.map((a) => [a.arm.key, fresh ? a.steer : undefined]));
  const heldBy = new Map(
    models.map((m) => {
      const held = modelArms.filter((a) => a.model === m).map((a) => steers.get(a.key));
      return [m, held.every((h) => !!h) ? held[0]?.text : undefined];
    }),
  );
  const skip = chosen.length > 0 || models.some((m) => !heldBy.get(m));
  for (const model of models) {
    const choice = await optimizer.choose(
      context,
      modelArms.filter((a) => a.model === model),
      1,
      { priors },
    );
    const held = heldBy.get(model);
    if (skip && held) {
      why.push(`${model}: not run in this new context, held back by ${held}`);
      alternatives.push(
        ...[...choice.chosen, ...choice.alternatives].map((c) => `${show(c)}: not run, held back`),
      );
      continue;
    }
    picks.push({ model, pick: choice.chosen[0] });
    alternatives.push(...choice.alternatives.map(show));
  }
  if (picks.length === 0) return { chosen, reason: why.join('; '), alternatives };

  const assessed = await optimizer.assess(context, [...chosen, ...modelArms], { priors });
  const of = new Map(assessed.map((a) => [a.arm.key, a]));
  const costed = (a: Arm) => {
    const c = of.get(a.key)?.cost;
    return c ? `~${usd(c.usd)} per candidate (${c.basis})` : 'cost unknown';
  };
  const runAll = (note: string) => {
    for (const { model, pick } of picks) {
      chosen.push(pick.arm);
      why.push(`${model}: ${pick.reason}; ${costed(pick.arm)}${note}`);
    }
  };
  const rule = optimizer.settings.cost;
  if (!rule) {
    runAll('');
    return { chosen, reason: why.join('; '), alternatives };
  }
  const bar = optimizer.settings.successThreshold;
  const reached = (a: ArmAssessment) => `${a.successes}/${a.n} outcomes here reached q >= ${bar}`;
  const free = chosen
    .map((a) => of.get(a.key))
    .find((a): a is ArmAssessment => !!a?.reaches && a.cost?.usd === 0);
  if (free) {
    why.push(`no model runs: ${label(free.arm)} reaches the bar at no cost (${reached(free)})`);
    for (const { pick } of picks) alternatives.push(`${show(pick)}: not run, ${costed(pick.arm)}`);
    return { chosen, reason: why.join('; '), alternatives };
  }
  const cheapest = modelArms
    .map((a) => of.get(a.key) as ArmAssessment)
    .filter((a) => a.reaches && a.cost)
    .sort((a, b) => (a.cost?.usd ?? 0) - (b.cost?.usd ?? 0))[0];
  if (!cheapest?.cost) {
    runAll(`; no arm with a known cost reaches q >= ${bar} here yet, so every model runs`);
    return { chosen, reason: why.join('; '), alternatives };
  }
  const price = cheapest.cost.usd;
  chosen.push(cheapest.arm);
  why.push(
    `${cheapest.arm.model}: ${label(cheapest.arm)} is the cheapest arm that reaches the bar here ` +
      `(${reached(cheapest)}), ${costed(cheapest.arm)}`,
  );
  for (const { model, pick } of picks) {
    if (model === cheapest.arm.model) continue;
    const a = of.get(pick.arm.key) as ArmAssessment;
    if (a.n < rule.minN && (!a.cost || a.cost.usd < price)) {
      chosen.push(a.arm);
      why.push(
        `${model}: explore, ${a.n} outcome(s) here and ${costed(a.arm)}, ` +
          `${a.cost ? 'cheaper than' : 'maybe cheaper than'} ${usd(price)}: ${pick.reason}`,
      );
    } else {
      alternatives.push(
        `${show(pick)}: not run, ${costed(a.arm)}; ` +
          `${a.reaches ? 'it reaches the bar too' : reached(a)}, and ${label(cheapest.arm)} reaches it at ~${usd(price)}`,
      );
    }
  }
  return { chosen, reason: why.join('; '), alternatives };
}

/**
 * The variant peers' evidence promotes over the pack defaults in this context, if any: the best
 * posterior mean among the same pack's variants (same model) that have peers' evidence and no
 * failure rule holding them back here, when it would pass the promotion rule against the defaults
 * with peers' evidence counted on both sides.
 */
function preferredByPeers(
  assessed: ArmAssessment[],
  defaults: Arm,
  optimizer: Optimizer,
): { arm: Arm; reason: string } | undefined {
  const rule = optimizer.settings.promotion;
  const fresh = (a: ArmAssessment) => a.contextN < optimizer.settings.freshOutcomes;
  const base = assessed.find((a) => a.arm === defaults);
  const enough = (a: ArmAssessment) => a.posterior.n + a.posterior.priorN >= rule.minN;
  if (!base || !enough(base)) return undefined;
  const best = assessed
    .filter(
      (a) =>
        a.arm !== defaults &&
        a.arm.packId === defaults.packId &&
        a.arm.model === defaults.model &&
        a.networkN > 0 &&
        enough(a) &&
        !(a.steer && fresh(a)),
    )
    .reduce<ArmAssessment | undefined>(
      (b, a) => (!b || a.posterior.mean > b.posterior.mean ? a : b),
      undefined,
    );
  if (!best) return undefined;
  const p = probabilityBetter(best.posterior, base.posterior);
  const gain = best.posterior.mean - base.posterior.mean;
  if (p < rule.minProbability || gain < rule.minGain) return undefined;
  return {
    arm: best.arm,
    reason:
      `network-preferred variant ${label(best.arm)}: posterior mean q ${f3(best.posterior.mean)} (${evidence(best)}) ` +
      `vs the pack defaults' ${f3(base.posterior.mean)} (${evidence(base)}), P(better) = ${f3(p)} >= ${rule.minProbability}, ` +
      `gain ${f3(gain)} >= ${rule.minGain}; peers' digests, weighted by trust`,
  };
}

const label = (a: Arm) =>
  `${a.packName} ${
    Object.keys(a.params)
      .sort()
      .map((k) => `${k}=${a.params[k]}`)
      .join(' ') || '(no params)'
  } @${a.model}`;
const f3 = (x: number) => x.toFixed(3);
const evidence = (a: ArmAssessment) =>
  `n=${a.posterior.n}${a.posterior.priorN > 0 ? ` + ${Math.round(a.posterior.priorN * 10) / 10} prior` : ''}`;
