/** What the winner choice needs of a candidate: its quality and which tests it passed. */
export interface TestScored {
  q: number;
  run: { tests: { name: string; passed: boolean }[] };
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/**
 * Like the orchestra's consensus, with tests as the evidence: agreement is the mean pairwise Jaccard
 * similarity of the sets of tests each candidate passes; the winner has the best quality, ties going
 * to the one agreeing most with the others, then to the first.
 */
export function agreementOf(candidates: TestScored[]): { winner: number; agreement: number; reason: string } {
  if (candidates.length === 0) return { winner: -1, agreement: 0, reason: 'no candidate' };
  const sets = candidates.map((c) => new Set(c.run.tests.filter((t) => t.passed).map((t) => t.name)));
  const agreeWith = sets.map((s, i) => {
    const others = sets.filter((_, j) => j !== i);
    return others.length === 0 ? 1 : others.reduce((sum, o) => sum + jaccard(s, o), 0) / others.length;
  });
  const agreement = agreeWith.reduce((a, b) => a + b, 0) / agreeWith.length;
  const order = candidates
    .map((_, i) => i)
    .sort((a, b) => candidates[b].q - candidates[a].q || agreeWith[b] - agreeWith[a] || a - b);
  const [w, next] = order;
  let reason = `highest quality q=${candidates[w].q.toFixed(3)}`;
  if (next !== undefined)
    reason =
      Math.abs(candidates[w].q - candidates[next].q) < 0.001
        ? `tied on quality q=${candidates[w].q.toFixed(3)}; won on agreement ${agreeWith[w].toFixed(3)} vs ${agreeWith[next].toFixed(3)}`
        : `highest quality q=${candidates[w].q.toFixed(3)} (next: q=${candidates[next].q.toFixed(3)})`;
  return { winner: w, agreement, reason };
}
