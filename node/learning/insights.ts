import { type ArmStats, costOf, meanOf, qualityPerUsd, sdOf } from './arm-stats.js';
import { type GenerationContext, parseContextKey } from './context.js';
import type { Correlation } from './correlations.js';
import type { PromotedPointer, PromotionDecision } from './decisions.js';
import type { OutcomeLabel } from './features.js';
import { type Rule, type RuleSet, type RuleThresholds, ruleText } from './rules.js';

export interface ArmSummary {
  armKey: string;
  packName: string;
  params: Record<string, string>;
  model: string;
  n: number;
  meanQ: number;
  sdQ: number;
  /** share of outcomes with q >= the success threshold */
  successRate: number;
  compileFailureRate: number;
  /** USD per candidate, when its outcomes carried a cost */
  costUsd?: number;
  /** mean q per USD of one candidate, when it cost something */
  qualityPerUsd?: number;
}

export interface ContextInsight {
  contextKey: string;
  context?: GenerationContext;
  generations: number;
  meanQ: number;
  /** best first, ranked by the mean shrunk toward 0.5 by one pseudo-observation, so n = 1 cannot top a proven arm */
  best: ArmSummary[];
  promoted: (PromotedPointer & { packName: string; model: string })[];
}

/** What `weavergen insights --json` prints: plain JSON, no class instances. */
export interface Insights {
  generatedAt: string;
  outcomes: number;
  successThreshold: number;
  contexts: ContextInsight[];
  rules: {
    thresholds: RuleThresholds;
    transactions: number;
    baseRates: Record<OutcomeLabel, number>;
    total: number;
    informative: number;
    top: (Rule & { text: string })[];
  };
  correlations: Correlation[];
  promotions: PromotionDecision[];
}

export interface InsightsInput {
  stats: ArmStats[];
  rules: RuleSet;
  correlations: Correlation[];
  promotions: PromotionDecision[];
  promoted: { context: string; packName: string; model: string; pointer: PromotedPointer }[];
  successThreshold: number;
  topArms: number;
  topRules: number;
  topCorrelations: number;
}

export function buildInsights(i: InsightsInput): Insights {
  const byContext = new Map<string, ArmStats[]>();
  for (const s of i.stats) byContext.set(s.contextKey, [...(byContext.get(s.contextKey) ?? []), s]);
  const contexts: ContextInsight[] = [...byContext].map(([contextKey, arms]) => {
    const n = arms.reduce((a, s) => a + s.n, 0);
    const shrunk = (s: ArmStats) => (s.sumQ + 0.5) / (s.n + 1);
    return {
      contextKey,
      context: parseContextKey(contextKey),
      generations: n,
      meanQ: n === 0 ? 0 : arms.reduce((a, s) => a + s.sumQ, 0) / n,
      best: [...arms]
        .sort((a, b) => shrunk(b) - shrunk(a) || b.n - a.n)
        .slice(0, i.topArms)
        .map(summary),
      promoted: i.promoted
        .filter((p) => p.context === contextKey)
        .map((p) => ({ packName: p.packName, model: p.model, ...p.pointer })),
    };
  });
  contexts.sort((a, b) => b.generations - a.generations || a.contextKey.localeCompare(b.contextKey));
  // informative rules lead; the rest fill up only when there are too few of them
  const top = i.rules.rules.slice(0, i.topRules).map((r) => ({ ...r, text: ruleText(r) }));
  return {
    generatedAt: new Date().toISOString(),
    outcomes: i.rules.transactions,
    successThreshold: i.successThreshold,
    contexts,
    rules: {
      thresholds: i.rules.thresholds,
      transactions: i.rules.transactions,
      baseRates: i.rules.baseRates,
      total: i.rules.total,
      informative: i.rules.informative,
      top,
    },
    correlations: i.correlations.slice(0, i.topCorrelations),
    promotions: i.promotions,
  };
}

function summary(s: ArmStats): ArmSummary {
  const cost = costOf(s);
  const perUsd = qualityPerUsd(meanOf(s), cost);
  return {
    armKey: s.armKey,
    packName: s.packName,
    params: s.params,
    model: s.model,
    n: s.n,
    meanQ: meanOf(s),
    sdQ: sdOf(s),
    successRate: s.n === 0 ? 0 : s.successes / s.n,
    compileFailureRate: s.n === 0 ? 0 : s.compileFailures / s.n,
    ...(cost !== undefined ? { costUsd: cost } : {}),
    ...(perUsd !== undefined ? { qualityPerUsd: perUsd } : {}),
  };
}

export const paramsText = (p: Record<string, string>) =>
  Object.keys(p)
    .sort()
    .map((k) => `${k}=${p[k]}`)
    .join(' ') || '(no params)';

const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The short text `weavergen insights` prints. */
export function renderInsights(ins: Insights, options: { contexts?: number; rules?: number } = {}): string {
  const t = ins.rules.thresholds;
  const lines: string[] = [];
  lines.push(
    `WeaverGen insights: ${ins.outcomes} candidate outcomes in ${ins.contexts.length} contexts; ${ins.rules.total} rules ` +
      `(support >= ${t.minSupport}, confidence >= ${t.minConfidence}), ${ins.rules.informative} informative ` +
      `(lift >= ${t.minLift} and >= ${t.minImprovement} better than every shorter rule)`,
  );
  for (const c of ins.contexts.slice(0, options.contexts ?? 12)) {
    lines.push('', `${c.contextKey}: ${c.generations} candidates, mean q ${f3(c.meanQ)}`);
    c.best.forEach((a, idx) => {
      lines.push(
        `  ${idx + 1}. ${a.packName} ${paramsText(a.params)} [${a.model}]  q ${f3(a.meanQ)} (n=${a.n}, ${pct(a.successRate)} >= ${ins.successThreshold}${a.compileFailureRate > 0 ? `, ${pct(a.compileFailureRate)} failed to compile` : ''})`,
      );
    });
    for (const p of c.promoted) lines.push(`  promoted: ${p.packName} ${paramsText(p.params)} [${p.model}]`);
  }
  const informative = ins.rules.top.filter((r) => r.informative).slice(0, options.rules ?? 10);
  if (informative.length) {
    lines.push('', 'Informative rules:');
    for (const r of informative)
      lines.push(
        `  ${r.text}  (support ${f3(r.support)}, confidence ${f3(r.confidence)}, lift ${r.lift.toFixed(2)})`,
      );
  }
  if (ins.correlations.length) {
    lines.push('', 'Correlations with q:');
    for (const c of ins.correlations.slice(0, 8)) {
      const means = c.feature.includes('rank')
        ? ''
        : `, mean q ${f3(c.meanWith)} with vs ${f3(c.meanWithout)} without, n=${c.n}`;
      lines.push(`  ${c.feature}  r=${c.r.toFixed(2)}${means}`);
    }
  }
  if (ins.promotions.length) {
    lines.push('', 'Promotions:');
    for (const p of ins.promotions.slice(-10))
      lines.push(`  ${new Date(p.at).toISOString()} ${p.context} ${p.packName}: ${p.reason}`);
  }
  return lines.join('\n');
}
