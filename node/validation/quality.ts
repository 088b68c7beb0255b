import type { SymbolReport } from './symbol-check.js';
import type { ToolchainResult } from './toolchain.js';

/**
 * The quality score q in [0, 1], computed only from evidence (the design's contract): a candidate
 * that does not compile, or whose toolchain was missing, scores at most 0.3 x the rest; the rest is
 * the weighted sum (QUALITY_WEIGHTS) of these components, each in [0, 1], from the symbol report:
 *
 * - completeness = found / (expected + invented): found counts the expected items present under a
 *   name that carries them (the official name, or a name holding the item's key, and member id for
 *   an enum member) with their exact value; a value held under an unrelated name finds nothing; every
 *   invented symbol (one that stands for no registry value) adds to the denominator. 0 when nothing
 *   is expected.
 * - naming = namedOfficially / found: found items under the official package's name. 0 when
 *   nothing was found.
 * - documentation = documented / documentable: found items with a brief whose doc carries the whole
 *   brief (whitespace normalized). 1 when no found item has a brief, 0 when nothing was found.
 * - deprecation = deprecatedMarked / deprecatedExpected - falselyDeprecated / notDeprecatedFound,
 *   at least 0: deprecated items the scope expects that are present and marked, over all the
 *   deprecated items it expects (a dropped one counts 0; 1 when it expects none), less the share of
 *   the found non-deprecated items that are marked deprecated (members of a deprecated attribute
 *   may be marked or not: neither side counts them). 0 when nothing was found.
 * - warnings = 1 / (1 + warnings / 5): the toolchain's warnings.
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
  const found = symbols.found;
  const components: QualityComponents = {
    compiled: tool.status === 'passed' ? 1 : tool.status === 'failed' ? 0 : null,
    completeness: symbols.expected === 0 ? 0 : found / (symbols.expected + symbols.invented),
    naming: found === 0 ? 0 : ratio(symbols.namedOfficially, found),
    documentation: found === 0 ? 0 : ratio(symbols.documented, symbols.documentable),
    deprecation:
      found === 0
        ? 0
        : Math.max(
            0,
            ratio(symbols.deprecatedMarked, symbols.deprecatedExpected) -
              (symbols.notDeprecatedFound ? symbols.falselyDeprecated / symbols.notDeprecatedFound : 0),
          ),
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
