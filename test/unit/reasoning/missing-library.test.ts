import { describe, expect, it } from 'vitest';
import { armOf, enumerateArms } from '../../../node/optimizer/arms.js';
import type { CandidateResult } from '../../../node/orchestra/index.js';
import { builtinPacks, type Pack } from '../../../node/packs/index.js';
import { diagnose } from '../../../node/reasoning/correct.js';
import { planNextRound } from '../../../node/reasoning/next-round.js';
import { DEFECT_KINDS, type ToolchainResult, type ValidationResult } from '../../../node/validation/index.js';

/**
 * A candidate not validated because a library its output imports is missing (opentelemetry-api for
 * Python's metric factories, the otel module for Go's attribute.Key, the API jar for Java) is not a
 * missing toolchain: another variant of the pack does without it. The loop tries that variant next,
 * whatever the first round's Thompson draw was, so whether the language passes (the exit code)
 * depends on the environment only, not on the draw.
 */
const REASONS: Record<string, { tool: string; reason: string; param: string; value: RegExp }> = {
  python: {
    tool: 'python3',
    reason:
      'not validated: opentelemetry (python) not found (pip package: opentelemetry-api); 2 of 17 modules need it and were compiled but not imported: _incubating/metrics/shop_metrics.py',
    param: 'metrics',
    value: /^constants$/,
  },
  go: {
    tool: 'go',
    reason:
      'not validated: go.opentelemetry.io/otel not found (Debian package: golang-opentelemetry-otel-dev)',
    param: 'key_type',
    value: /^(typed|plain)$/,
  },
  java: {
    tool: 'javac',
    reason:
      'not validated: opentelemetry-api (io.opentelemetry.api) not found (set WEAVERGEN_OTEL_API_JAR to its jar or classes folder, or have io.opentelemetry:opentelemetry-api in ~/.m2); compiled against local stand-ins of its classes',
    param: 'key_style',
    value: /^(typed|string)$/,
  },
};

function notValidated(
  index: number,
  arm: CandidateResult['arm'],
  tool: string,
  reason: string,
): CandidateResult {
  const toolchain: ToolchainResult = {
    language: arm.language as ToolchainResult['language'],
    tool,
    status: 'not_validated',
    reason,
    errors: 0,
    warnings: 0,
    diagnostics: [],
    durationMs: 1,
  };
  const counts = Object.fromEntries(DEFECT_KINDS.map((k) => [k, 0]));
  return {
    index,
    arm,
    files: [],
    q: 0.3,
    spanId: `s${index}`,
    durationMs: 1,
    cached: false,
    attempt: 'first',
    validation: {
      toolchain,
      symbols: { defects: [], defectCounts: counts, correct: true, expected: 83, found: 83, foundKeys: [] },
      quality: {
        q: 0.3,
        components: {
          compiled: null,
          completeness: 1,
          naming: 1,
          documentation: 1,
          deprecation: 1,
          warnings: 1,
        },
      },
    } as unknown as ValidationResult,
  };
}

describe('a candidate not validated for lack of a library', () => {
  for (const [language, { tool, reason, param, value }] of Object.entries(REASONS)) {
    it(`${language}: the next round tries the variant whose ${param} does without it`, async () => {
      const pack = (await builtinPacks()).find((p) => p.manifest.language === language) as Pack;
      const arms = enumerateArms([pack]);
      const defaults = Object.fromEntries(
        Object.entries(pack.manifest.params).map(([k, p]) => [k, p.default]),
      );
      const incumbent = armOf(pack, defaults);
      // a round-1 challenger that needs the library too: one of the draws that used to decide the outcome
      const challenger = arms.find(
        (a) => a.key !== incumbent.key && a.params[param] === incumbent.params[param],
      ) as CandidateResult['arm'];
      const results = [notValidated(0, incumbent, tool, reason), notValidated(1, challenger, tool, reason)];
      expect(diagnose(results[0].validation).needs?.length).toBeGreaterThan(0);
      const plan = planNextRound({
        round: 1,
        maxRounds: 3,
        threshold: 0.9,
        validate: true,
        aborted: false,
        fixedParams: false,
        results,
        roundResults: results,
        arms,
        packs: new Map([[incumbent.packId, pack]]),
        tried: new Set([incumbent.key, challenger.key]),
        candidates: 2,
        predictFirst: () => 0.5,
      });
      expect(plan.stop).toBe('');
      expect(plan.next.length).toBeGreaterThan(0);
      for (const spec of plan.next) expect(spec.arm.params[param]).toMatch(value);
      // the variant nearest the incumbent: only that param changed
      expect(plan.next[0].arm.params).toEqual({
        ...incumbent.params,
        [param]: plan.next[0].arm.params[param],
      });
      expect(plan.reason).toContain(`-> try {${param}=`);
    });
  }

  it('a missing toolchain is not a missing library: no variant is tried for it', async () => {
    const pack = (await builtinPacks()).find((p) => p.manifest.language === 'go') as Pack;
    const arms = enumerateArms([pack]);
    const r = notValidated(0, arms[0], 'go', 'not validated: go not found (Debian package: golang-go)');
    expect(diagnose(r.validation).needs).toBeUndefined();
  });
});
