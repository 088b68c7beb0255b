import type { WeaverNode } from '../../node/node.js';
import { ATTR } from '../../node/telemetry/conventions.js';
import type { Defect, SimModel } from './model.js';
import type { RegistrySpec } from './registries.js';

/** One language of one generation of the replay. */
export interface RunRow {
  registry: string;
  set: 'fit' | 'report';
  seed: number;
  run: string;
  /** feedback: the product's prompt pack; ablation: its feedback emptied */
  arm: 'feedback' | 'ablation';
  language: string;
  context: string;
  /** the defect kinds drawn into the first answer (all chunks) */
  injected: Record<string, number>;
  first: { q: number; defects: Defect[] };
  final: { q: number; defects: Defect[]; unknownFiles: number };
  rounds: number;
  tokens: number;
  /** the loop's last reason */
  stop: string;
  /** the loop stopped by accepting its best answer */
  accepted: boolean;
  /** the winner's toolchain status, and the best q among the candidates that compiled (-1: none did) */
  winnerStatus: string;
  bestCompiledQ: number;
  /** the round of the candidate written (0: none) */
  winnerRound: number;
  error?: string;
}

export interface Predicted {
  predicted: number;
  /** outcomes behind the prediction at its most specific level */
  from: number;
  measured: number;
  attempt: string;
  language: string;
  registry: string;
  /** the arm's plain mean q in the context before this candidate (undefined: never ran there) */
  baseline?: number;
}

export const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
export const sd = (xs: number[]) => {
  const m = mean(xs);
  return xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
};
export const f3 = (x: number) => x.toFixed(3);
export const wrong = (r: RunRow) => r.final.defects.length > 0 || !!r.error;
export const count = (ds: Defect[]) => {
  const by: Record<string, number> = {};
  for (const d of ds) by[d.kind] = (by[d.kind] ?? 0) + 1;
  return by;
};
export const kinds = (by: Record<string, number>) =>
  Object.entries(by)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(', ') || 'none';

export async function generate(node: WeaverNode, request: Parameters<WeaverNode['generate']>[0]) {
  const { id, done } = await node.generate(request);
  return {
    record: await done,
    decisions: await node.decisions(id),
    spans: await node.spans.byGeneration(id),
  };
}

/** One row per language of a generation: what the model was made to get wrong, and what came of it. */
export function rowsOf(
  g: Awaited<ReturnType<typeof generate>>,
  sim: SimModel,
  at: { spec: RegistrySpec; seed: number; run: string; arm: RunRow['arm'] },
): RunRow[] {
  return g.record.languages.map((l) => {
    const answers = sim.answers.filter((x) => x.run === at.run && x.language === l.language);
    const firsts = answers.filter((x) => x.round === 1);
    const injected: Record<string, number> = {};
    for (const k of firsts.flatMap((x) => x.injected)) injected[k] = (injected[k] ?? 0) + 1;
    const asked = new Map(firsts.flatMap((x) => x.files.map((f) => [f.path, f.items] as const)));
    const firstDefects = firsts.flatMap((x) => x.files.flatMap((f) => f.defects));
    // the final answer's defects: its files looked up in what the model wrote; a file the model was
    // asked for and the winner lacks counts all its items missing
    const final: Defect[] = [];
    let unknown = 0;
    const written = new Set<string>();
    for (const f of l.winner?.files ?? []) {
      written.add(f.path);
      const d = f.sha256 ? sim.defectsOf(f.path, f.sha256) : undefined;
      if (d) final.push(...d);
      else if (asked.has(f.path)) unknown++;
    }
    for (const [path, items] of asked)
      if (!written.has(path))
        for (let i = 0; i < Math.max(1, items); i++)
          final.push({ kind: 'missing', name: `(file ${path})`, file: path });
    const rounds = g.decisions.filter((d) => d.step.startsWith(`reasoning:${l.language}:round`));
    const tokens = g.spans
      .filter((s) => s.attributes[ATTR.language] === l.language)
      .reduce(
        (n, s) =>
          n +
          Number(s.attributes['weavergen.model.input_tokens'] ?? 0) +
          Number(s.attributes['weavergen.model.output_tokens'] ?? 0),
        0,
      );
    const first = l.candidates.find((c) => c.attempt !== 'correction');
    const compiled = l.candidates.filter((c) => c.status === 'passed').map((c) => c.q);
    return {
      registry: at.spec.name,
      set: at.spec.set,
      seed: at.seed,
      run: at.run,
      arm: at.arm,
      language: l.language,
      context: l.context,
      injected,
      first: { q: first?.q ?? 0, defects: firstDefects },
      final: { q: l.winner?.q ?? 0, defects: final, unknownFiles: unknown },
      rounds: l.rounds ?? rounds.length,
      tokens,
      stop: rounds.at(-1)?.reason ?? l.reason,
      accepted: /^accepted/.test(rounds.at(-1)?.reason ?? ''),
      winnerStatus: l.winner?.status ?? 'none',
      // one candidate a round: the winner's place among the candidates is its round
      winnerRound: l.candidates.findIndex((c) => c.spanId === l.winner?.spanId) + 1,
      bestCompiledQ: compiled.length ? Math.max(...compiled) : -1,
      ...(l.winner ? {} : { error: l.reason || g.record.error || 'no winner' }),
    };
  });
}
