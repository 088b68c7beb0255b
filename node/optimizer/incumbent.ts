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
 * - Evidence for another arm. Peers' evidence (the network's priors: a trust-weighted robust
 *   aggregate, counted as the network rule says, so local outcomes take over as they accumulate),
 *   or for another pack's arm also this node's own outcomes, puts that arm in the place of the one
 *   in force when both have at least the promotion's minN outcomes counting peers', P(better) >=
 *   its preferProbability and the gain >= its minGain (preferredOver below). This is how an
 *   installed community pack, which the per-pack promotion review never compares with the
 *   built-in one, becomes what runs first. The displaced arm runs as a challenger only when drawn.
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
    let steered = false;
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
        steered = true;
        incumbent = best.arm;
        because =
          `${label(best.arm)} in place of the pack defaults, held back here by ${held.text}: ` +
          `highest posterior mean q ${f3(best.posterior.mean)} (${evidence(best)}) among the arms no failure rule names here`;
      }
    }
    // another arm takes the place on evidence that would win a promotion: peers' (discounted by
    // trust and by local outcomes) or, for another pack's arm, this node's own outcomes
    const compared =
      !steered && (hasPriors || builtin.some((a) => a.packId !== incumbent.packId))
        ? assessed.length > 0
          ? assessed
          : await optimizer.assess(context, builtin, { priors })
        : [];
    const preferred =
      compared.length > 0 ? preferredOver(compared, incumbent, !!promotedArm, optimizer) : undefined;
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
 * Local outcomes of an arm that peers in good standing (but under the minimum support) praise before
 * it may run in the incumbent's place: one lucky outcome of a flaky arm is not enough.
 */
const CONFIRMATIONS = 2;

/**
 * The arm that takes the place of the one in force (`base`: the pack defaults, or the variant
 * promoted here) in this context, if any: the best posterior mean among the template arms of the
 * same model that no failure rule holds back here and that have enough evidence (the promotion's
 * minN counting peers'), when it would pass the promotion rule against `base` with peers' evidence
 * counted on both sides. Which arms may compete:
 * - another pack's arm, on peers' evidence or on at least minN outcomes of its own here (a pack
 *   installed beside the built-in one is otherwise only ever a challenger);
 * - a variant of the same pack, on peers' evidence only, and only while nothing was promoted here
 *   (the promotion review decides on local outcomes, and a local promotion stands over peers).
 * Peers' evidence counts here only when it reaches minN with the local outcomes by itself, from
 * peers who ran the arm in this very context (back-off to neighbouring contexts and rule priors do
 * not make it enough: a pack good next door may break on this context's one differing feature),
 * and only with the network rule's minSupport (0.5: the peers reporting the arm hold at least half
 * the marketplace's quorum of its context's evidence), or, from peers in good standing (its
 * minStanding), once this node has run the arm here twice (CONFIRMATIONS) and its own mean is at
 * least the one in force's (its posterior mean, or its own mean here if higher). An arm a light
 * unproven minority vouches for stays a challenger.
 */
function preferredOver(
  assessed: ArmAssessment[],
  base: Arm,
  promoted: boolean,
  optimizer: Optimizer,
): { arm: Arm; reason: string } | undefined {
  const rule = optimizer.settings.promotion;
  const fresh = (a: ArmAssessment) => a.contextN < optimizer.settings.freshOutcomes;
  const mine = assessed.find((a) => a.arm === base);
  const enough = (a: ArmAssessment) => a.posterior.n + a.posterior.priorN >= rule.minN;
  if (!mine || !enough(mine)) return undefined;
  // peers' word counts only when enough of the network stands behind it (the network rule's
  // minSupport), or a few in good standing do and this node's own outcomes bear them out, and, with
  // those outcomes, it reaches the promotion's minimum by itself without the back-off
  const network = optimizer.settings.network;
  // what this node has seen of the one in force, at least: its posterior mean is pulled toward the
  // base prior's, and an arm's own outcomes should beat what the node actually got
  const bar = Math.max(mine.posterior.mean, mine.n > 0 ? mine.meanQ : 0);
  const heard = (a: ArmAssessment) =>
    a.networkSupport >= network.minSupport ||
    (a.networkStanding >= network.minStanding && a.n >= CONFIRMATIONS && a.meanQ >= bar);
  const byPeers = (a: ArmAssessment) =>
    a.networkN > a.networkNeighbourN && heard(a) && a.networkN - a.networkNeighbourN + a.n >= rule.minN;
  const may = (a: ArmAssessment) =>
    a.arm.packId !== base.packId ? byPeers(a) || a.n >= rule.minN : !promoted && byPeers(a);
  const best = assessed
    .filter(
      (a) => a.arm !== base && a.arm.model === base.model && may(a) && enough(a) && !(a.steer && fresh(a)),
    )
    .reduce<ArmAssessment | undefined>(
      (b, a) => (!b || a.posterior.mean > b.posterior.mean ? a : b),
      undefined,
    );
  if (!best) return undefined;
  const p = probabilityBetter(best.posterior, mine.posterior);
  const gain = best.posterior.mean - mine.posterior.mean;
  if (p < rule.preferProbability || gain < rule.minGain) return undefined;
  const what = best.arm.packId === base.packId ? 'variant' : 'arm of another pack';
  const source = best.networkN > 0 ? 'network-preferred' : 'measured here';
  const near = best.networkNeighbourN;
  const basis =
    best.networkN > 0
      ? `peers' digests, weighted by trust${near > 0 ? ` (${Math.round((near / best.networkN) * 100)}% of them from neighbouring contexts)` : ''}`
      : `${best.n} outcomes of its own here`;
  return {
    arm: best.arm,
    reason:
      `${source} ${what} ${label(best.arm)}: posterior mean q ${f3(best.posterior.mean)} (${evidence(best)}) ` +
      `vs the ${promoted ? 'promoted variant' : 'pack defaults'}' ${f3(mine.posterior.mean)} (${evidence(mine)}), P(better) = ${f3(p)} >= ${rule.preferProbability}, ` +
      `gain ${f3(gain)} >= ${rule.minGain}; ${basis}`,
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
