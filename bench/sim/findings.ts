import { table } from '../../cli/render/table.js';
import type { Replay } from '../reasoning.js';
import type { SimAnswer } from './model.js';
import { count, f3, kinds, type RunRow, wrong } from './rows.js';

/** A round's candidate as the truth sees it: does it compile (no syntax defect), how many defects. */
export interface RoundTruth {
  round: number;
  compiles: boolean;
  defects: number;
}

/**
 * Each round's candidate of one run and language, from what the model wrote: per chunk the latest
 * answer up to that round (a chunk the model was not asked about again kept its files).
 */
export function truthByRound(
  answers: SimAnswer[],
  run: string,
  language: string,
  rounds: number,
): RoundTruth[] {
  const mine = answers.filter((a) => a.run === run && a.language === language);
  return Array.from({ length: rounds }, (_, i) => {
    const latest = new Map<string, SimAnswer>();
    for (const a of mine) if (a.round <= i + 1) latest.set(a.chunk, a);
    const defects = [...latest.values()].flatMap((a) => a.files.flatMap((f) => f.defects));
    return { round: i + 1, compiles: !defects.some((d) => d.kind === 'syntax'), defects: defects.length };
  });
}

/** Better first, in the loop's own order (node/reasoning/verdict.ts): compiles, then fewer defects. */
export const better = (a: RoundTruth, b: RoundTruth) =>
  (a.compiles && !b.compiles) || (a.compiles === b.compiles && a.defects < b.defects);

/** For each defect a correction prompt could have named (it was in the previous answer shown): named or not. */
export function printNaming(r: Replay) {
  const rows = (['feedback', 'ablation'] as const).flatMap((arm) => {
    const corr = r.answers[arm].filter((a) => a.round > 1);
    const before = count(corr.flatMap((a) => a.before));
    const named = count(corr.flatMap((a) => a.named));
    const fresh = corr.filter((a) => a.fresh).length;
    return Object.keys({ ...before, ...named }).map((k) => [
      arm,
      k,
      before[k] ?? 0,
      named[k] ?? 0,
      (before[k] ?? 0) - (named[k] ?? 0),
      `${fresh}/${corr.length}`,
    ]);
  });
  console.log(
    '\nwhat the correction prompts named, by defect kind (defects of the previous answer the prompt showed; named = fixed by the model)',
  );
  console.log(
    table(
      ['arm', 'kind', 'in previous answers', 'named', 'not named', 'answered anew (no previous files)'],
      rows.length ? rows : [['-', '-', 0, 0, 0, '-']],
    ),
  );
  const corr = r.answers.feedback.filter((a) => a.round > 1);
  const lines = corr.reduce((n, a) => n + Object.values(a.sections).reduce((m, k) => m + k, 0), 0);
  const foreign = corr.filter((a) => a.foreign.length);
  const clean = corr.filter((a) => a.before.length === 0);
  const example = foreign.find((a) => a.foreign.length === Math.max(...foreign.map((b) => b.foreign.length)));
  console.log(
    `feedback lines about items of other chunks (naming nothing the prompt's chunk lists or its previous files hold): ${corr.reduce((n, a) => n + a.foreign.length, 0)} of ${lines} lines, in ${foreign.length} of ${corr.length} correction prompts; ` +
      `${clean.length} correction prompts went to a chunk whose previous answer had no defect` +
      (example
        ? `; e.g. ${example.run} ${example.language} round ${example.round}, ${example.chunk.split('|')[0]} (${example.chunk.split('|')[1]}): ${example.foreign.length} such lines, the first: "${example.foreign[0].slice(0, 110)}"`
        : ''),
  );
}

/** Wrong answers of the loop with feedback, and what the product did with them. */
export function printFindings(r: Replay, fb: RunRow[]) {
  const out: string[] = [];
  const early = fb.filter((y) => wrong(y) && !y.accepted && y.rounds < r.maxRounds);
  let progressed = 0;
  for (const x of fb.filter((y) => wrong(y) && (y.accepted || y.rounds < r.maxRounds))) {
    const corr = r.answers.feedback.filter(
      (a) => a.run === x.run && a.language === x.language && a.round > 1,
    );
    const everNamed = new Set(corr.flatMap((a) => a.named.map((d) => `${d.kind}:${d.name}`)));
    const unnamed = x.final.defects.filter((d) => !everNamed.has(`${d.kind}:${d.name}`));
    const last = corr.filter((a) => a.round === x.rounds);
    const truth = truthByRound(r.answers.feedback, x.run, x.language, x.rounds);
    const before = truth
      .slice(0, -1)
      .reduce<RoundTruth | undefined>((b, t) => (!b || better(t, b) ? t : b), undefined);
    const progress = !x.accepted && before && better(truth[truth.length - 1], before);
    if (progress) progressed++;
    const sections: Record<string, number> = {};
    for (const a of last)
      for (const [k, n] of Object.entries(a.sections)) {
        const label = k.replace(/:$/, '');
        sections[label] = (sections[label] ?? 0) + n;
      }
    out.push(
      `- ${x.registry} seed ${x.seed} ${x.language}: ${x.accepted ? 'ACCEPTED a wrong answer' : 'stopped on a wrong answer'} after round ${x.rounds} of ${r.maxRounds} ` +
        `(${kinds(count(x.final.defects))}: ${x.final.defects
          .slice(0, 3)
          .map((d) => d.name)
          .join(
            ', ',
          )}${x.final.defects.length > 3 ? ', ...' : ''}; ${unnamed.length} never named by a prompt); ` +
        (last.length
          ? `round ${x.rounds}'s prompts held ${kinds(sections)}; the model fixed ${last.reduce((n, a) => n + a.named.length, 0)} and made ${kinds(count(last.flatMap((a) => a.made)))} new; `
          : `round ${x.rounds} asked the model nothing (files reused); `) +
        `truth by round: ${truth.map((t) => `${t.defects}${t.compiles ? '' : ' (no compile)'}`).join(' -> ')}${progress ? ' = PROGRESS the loop did not see' : ''}; ` +
        `the loop said: ${x.stop.slice(0, 120)}`,
    );
  }
  for (const x of fb.filter((y) => y.winnerStatus !== 'passed' && y.bestCompiledQ >= 0))
    out.push(
      `- ${x.registry} seed ${x.seed} ${x.language}: the written winner (round ${x.winnerRound}) does not compile (q=${f3(x.final.q)}) although a candidate that compiled ran (q=${f3(x.bestCompiledQ)})`,
    );
  // right by the prompt, not accepted by the product: the prompt and the checks disagree
  const disputed = r.rows.filter((y) => !wrong(y) && !y.accepted);
  for (const x of disputed)
    out.push(
      `- ${x.registry} seed ${x.seed} ${x.language} (${x.arm}): the written answer is right by the prompt's registry section, yet the loop did not accept it (q=${f3(x.final.q)}, ${x.winnerStatus}): ${x.stop.slice(0, 140)}`,
    );
  for (const x of fb.filter((y) => y.error))
    out.push(`- ${x.registry} seed ${x.seed} ${x.language}: no winner (${x.error})`);
  for (const x of fb.filter((y) => y.final.unknownFiles))
    out.push(
      `- ${x.registry} seed ${x.seed} ${x.language}: ${x.final.unknownFiles} winner file(s) the model did not write`,
    );
  for (const e of [...new Set(r.simErrors)])
    out.push(`- the simulated model could not answer a request: ${e}`);
  const accepted = fb.filter((y) => wrong(y) && y.accepted).length;
  const uncompiled = fb.filter((y) => y.winnerStatus !== 'passed' && y.bestCompiledQ >= 0).length;
  console.log(
    `\nthe loop with feedback on wrong answers: ${accepted} accepted while wrong; ${early.length} stopped on a wrong answer with rounds left ` +
      `(${early.filter((y) => /did not improve/.test(y.stop)).length} of them by the rule "a round that did not improve ends the loop"; in ${progressed} of them the truth had improved: fewer defects, or compiling again); ` +
      `${uncompiled} written winners do not compile although a compiling candidate ran (consensus ranks fewer symbol defects before compiling); ` +
      `${disputed.length} answers right by the prompt were not accepted (both arms)`,
  );
  if (out.length) console.log(out.join('\n'));
}
