import type { DecisionRecord } from '../jobs/types.js';

/** The decision chain of a generation: every step, what was chosen, why, and the spans that are the evidence. */
export function renderChain(decisions: DecisionRecord[]): string {
  if (decisions.length === 0) return 'no decisions recorded';
  return decisions
    .map((d, i) =>
      [
        `${i + 1}. ${d.step}: ${d.choice}`,
        `   why: ${d.reason}`,
        ...(d.alternatives.length
          ? [
              `   alternatives: ${d.alternatives.slice(0, 5).join('; ')}${d.alternatives.length > 5 ? `; ... (${d.alternatives.length - 5} more)` : ''}`,
            ]
          : []),
        `   evidence: ${d.evidence.map((e) => `span ${e}`).join(', ')}`,
      ].join('\n'),
    )
    .join('\n');
}

const esc = (s: string) => s.replace(/["\n]/g, ' ').replace(/[<>]/g, '').slice(0, 120);

/** The same chain as a Mermaid flowchart: steps in order, per language, each node labelled with its choice. */
export function renderMermaid(decisions: DecisionRecord[]): string {
  const lines = ['flowchart TD'];
  const last = new Map<string, string>();
  decisions.forEach((d, i) => {
    const [kind, lang = 'all'] = d.step.split(':');
    const id = `d${i}`;
    lines.push(`  ${id}["${esc(`${d.step}: ${d.choice}`)}"]`);
    const prev = last.get(lang);
    if (prev) lines.push(`  ${prev} -->|"${esc(d.reason).slice(0, 60)}"| ${id}`);
    else lines.push(`  start((request)) --> ${id}`);
    last.set(lang, id);
    if (kind === 'promotion') lines.push(`  style ${id} fill:#e6f4ea`);
  });
  return lines.join('\n');
}
