export interface Scored {
  index: number;
  q: number;
  /** the registry symbols this candidate emitted with the right value (`kind:key=value`) */
  emitted: string[];
  /** compiled, correct and at the bar (node/reasoning/verdict.ts): ranks before quality */
  acceptable?: boolean;
  /** the toolchain passed it: code that compiles ranks before code with fewer defects that does not */
  compiled?: boolean;
  /** correctness defects: fewer ranks first after acceptability */
  defects?: number;
}

export interface Consensus {
  winner: number;
  /**
   * mean pairwise Jaccard similarity of the candidates' (registry symbol, value) sets: whether they
   * agree on what the registry says, whatever names their variants give it; 1 with a single candidate
   */
  agreement: number;
  reason: string;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/**
 * The winner is an acceptable candidate before one that is not, then one that compiled, then the
 * one with fewer correctness defects, then the best quality (the loop's order, node/reasoning/verdict.ts); ties (within 0.001) go to the candidate that agrees
 * most with the others, then to the first. Agreement is measured from evidence: what each emitted.
 */
export function decide(candidates: Scored[]): Consensus {
  if (candidates.length === 0) return { winner: -1, agreement: 0, reason: 'no candidate produced output' };
  const sets = candidates.map((c) => new Set(c.emitted));
  const agreeWith = sets.map((s, i) => {
    const others = sets.filter((_, j) => j !== i);
    return others.length === 0 ? 1 : others.reduce((sum, o) => sum + jaccard(s, o), 0) / others.length;
  });
  const agreement = agreeWith.reduce((a, b) => a + b, 0) / agreeWith.length;
  const order = candidates
    .map((_, i) => i)
    .sort(
      (a, b) =>
        Number(!!candidates[b].acceptable) - Number(!!candidates[a].acceptable) ||
        Number(candidates[b].compiled ?? true) - Number(candidates[a].compiled ?? true) ||
        (candidates[a].defects ?? 0) - (candidates[b].defects ?? 0) ||
        candidates[b].q - candidates[a].q ||
        agreeWith[b] - agreeWith[a] ||
        a - b,
    );
  const best = order[0];
  const second = order[1];
  let reason = `highest quality q=${candidates[best].q.toFixed(3)}`;
  const ranksOnCorrectness =
    second !== undefined &&
    (!!candidates[best].acceptable !== !!candidates[second].acceptable ||
      (candidates[best].compiled ?? true) !== (candidates[second].compiled ?? true) ||
      (candidates[best].defects ?? 0) !== (candidates[second].defects ?? 0));
  if (ranksOnCorrectness)
    reason = `${
      candidates[best].acceptable
        ? 'acceptable (compiled, no correctness defect)'
        : (candidates[best].compiled ?? true) !== (candidates[second].compiled ?? true)
          ? `compiled, with ${candidates[best].defects} correctness defect${candidates[best].defects === 1 ? '' : 's'}`
          : `fewest correctness defects (${candidates[best].defects})`
    } at q=${candidates[best].q.toFixed(3)}; next: candidate ${candidates[second].index} q=${candidates[second].q.toFixed(3)}${(candidates[second].compiled ?? true) ? '' : ', did not compile'} with ${candidates[second].defects} defect${candidates[second].defects === 1 ? '' : 's'}`;
  else if (second !== undefined) {
    const tie = Math.abs(candidates[best].q - candidates[second].q) < 0.001;
    reason = tie
      ? `tied on quality q=${candidates[best].q.toFixed(3)} with candidate ${candidates[second].index}; won on agreement ${agreeWith[best].toFixed(3)} vs ${agreeWith[second].toFixed(3)}`
      : `highest quality q=${candidates[best].q.toFixed(3)} (next: candidate ${candidates[second].index} q=${candidates[second].q.toFixed(3)})`;
  }
  return { winner: candidates[best].index, agreement, reason };
}
