import type { SymbolReport } from './symbol-check.js';
import type { ToolchainResult } from './toolchain.js';

/**
 * The quality score q in [0, 1], computed only from evidence (DESIGN.md's contract): a candidate
 * that does not compile, or whose toolchain was missing, scores at most 0.3; the rest is
 * completeness, naming, documentation, deprecation marking and toolchain warnings.
 */
export interface QualityComponents {
  /** 1 compiled, 0 failed, null when no toolchain could say */
  compiled: number | null;
  completeness: number;
  naming: number;
  documentation: number;
  deprecation: number;
  warnings: number;
}

export interface Quality {
  q: number;
  components: QualityComponents;
  weights: Record<keyof Omit<QualityComponents, 'compiled'>, number>;
}

export const QUALITY_WEIGHTS = {
  completeness: 0.4,
  naming: 0.2,
  documentation: 0.15,
  deprecation: 0.1,
  warnings: 0.15,
} as const;
export const UNCOMPILED_CAP = 0.3;

const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);

export function scoreQuality(tool: ToolchainResult, symbols: SymbolReport): Quality {
  const components: QualityComponents = {
    compiled: tool.status === 'passed' ? 1 : tool.status === 'failed' ? 0 : null,
    completeness: symbols.expected === 0 ? 0 : symbols.found / symbols.expected,
    naming: symbols.found === 0 ? 0 : ratio(symbols.namedOfficially, symbols.found),
    documentation: symbols.found === 0 ? 0 : ratio(symbols.documented, symbols.documentable),
    deprecation: symbols.found === 0 ? 0 : ratio(symbols.deprecatedMarked, symbols.deprecatedFound),
    // each warning costs a little, a flood of them costs most of this component
    warnings: 1 / (1 + tool.warnings / 5),
  };
  const w = QUALITY_WEIGHTS;
  const sum =
    w.completeness * components.completeness +
    w.naming * components.naming +
    w.documentation * components.documentation +
    w.deprecation * components.deprecation +
    w.warnings * components.warnings;
  const q = components.compiled === 1 ? sum : UNCOMPILED_CAP * sum;
  return { q: Math.round(q * 10_000) / 10_000, components, weights: { ...w } };
}
