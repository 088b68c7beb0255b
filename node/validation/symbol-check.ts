import {
  at,
  CORRECTNESS_KINDS,
  DEFECT_CAP,
  DEFECT_KINDS,
  type Defect,
  type DefectKind,
  emptyCounts,
  excerpt,
  quote,
} from './defects.js';
import type { ExpectedSymbol, RegistryValue } from './expected.js';
import {
  carries,
  describe,
  emitted,
  groupBy,
  isItemKind,
  itemOf,
  officialName,
  qualified,
  textKey,
  valueKey,
  words,
} from './items.js';
import type { Naming } from './languages/types.js';
import type { ExtractedSymbol } from './symbols/types.js';

export {
  CORRECTNESS_KINDS,
  DEFECT_CAP,
  DEFECT_KINDS,
  type Defect,
  type DefectKind,
  isCorrectnessDefect,
} from './defects.js';

export interface SymbolReport {
  expected: number;
  /** expected items present under a name that carries them, with their exact value */
  found: number;
  /** of found symbols: how many carry the official name */
  namedOfficially: number;
  /** of found symbols with a brief in the registry: how many carry the whole brief in their doc */
  documentable: number;
  documented: number;
  /** deprecated items the scope expects, found or not */
  deprecatedExpected: number;
  /** of found deprecated items: how many are marked deprecated */
  deprecatedFound: number;
  deprecatedMarked: number;
  /** found items that are not deprecated (members of a deprecated attribute aside), and how many of them are marked deprecated */
  notDeprecatedFound: number;
  falselyDeprecated: number;
  /** emitted constants and templates that stand for no registry item */
  invented: number;
  /** the registry symbols found with their exact value: what candidates are compared on for agreement */
  foundKeys: string[];
  /** a few of each kind of miss (up to 20), for diagnostics fed back to generators; `defects` has them all */
  missing: string[];
  misnamed: string[];
  wrongValue: string[];
  /** every defect, correctness kinds first, at most DEFECT_CAP of them */
  defects: Defect[];
  /** how many defects there are in all, and of each kind (the list may be capped, these are not) */
  defectsTotal: number;
  defectCounts: Record<DefectKind, number>;
  /** no defect of a correctness kind (everything but `undocumented`) */
  correct: boolean;
}

export interface CheckOptions {
  /**
   * Every value the registry defines (registryValues): an emitted symbol holding one under a name
   * that carries its item is not invented. The expected symbols are always part of it.
   */
  known?: RegistryValue[];
  /** how the language marks deprecation, for the fix a message proposes */
  deprecationMarker?: string;
}

const SAMPLE = 20;

/**
 * Matches the registry's expected symbols against what a candidate really emitted, and lists every
 * defect. An item is matched only by a symbol that plausibly stands for it (its official name, or a
 * name that carries the item: the normalized qualified name contains the normalized key, and for an
 * enum member also the member id) and holds its exact value. The doc must carry the item's whole
 * brief (whitespace normalized). Every other emitted constant or template must stand for a value the
 * registry defines (`options.known`), else it is invented.
 */
export function checkSymbols(
  expected: ExpectedSymbol[],
  extracted: ExtractedSymbol[],
  naming: Naming,
  options: CheckOptions = {},
): SymbolReport {
  const byValue = groupBy(extracted, (s) => valueKey(s.value));
  const byName = groupBy(extracted, qualified);
  const officials = expected.map((e) => officialName(e, naming));
  const officialSet = new Set(officials);
  const accounted = new Set<ExtractedSymbol>();
  const defects: Defect[] = [];
  const marker = options.deprecationMarker ? ` (${options.deprecationMarker})` : '';
  const r: SymbolReport = {
    expected: expected.length,
    found: 0,
    namedOfficially: 0,
    documentable: 0,
    documented: 0,
    deprecatedExpected: 0,
    deprecatedFound: 0,
    deprecatedMarked: 0,
    notDeprecatedFound: 0,
    falselyDeprecated: 0,
    invented: 0,
    foundKeys: [],
    missing: [],
    misnamed: [],
    wrongValue: [],
    defects: [],
    defectsTotal: 0,
    defectCounts: emptyCounts(),
    correct: true,
  };
  expected.forEach((e, i) => {
    const official = officials[i];
    const item = itemOf(e);
    const what = describe(e);
    if (e.deprecated) r.deprecatedExpected++;
    const brief = words(e.brief);
    const carriesBrief = (s: ExtractedSymbol) => !brief || words(s.doc).includes(brief);
    // a symbol with the official name of another item stands for that one, not for this
    const candidates = (byValue.get(valueKey(e.value)) ?? []).filter(
      (s) => qualified(s) === official || (!officialSet.has(qualified(s)) && carries(e.key, e.memberId, s)),
    );
    for (const s of candidates) accounted.add(s);
    // Several symbols may hold the same value (an attribute and a metric of the same name, a stable
    // and an incubating copy): prefer the official name, then one documented with this item's brief.
    const match =
      candidates.find((s) => qualified(s) === official && carriesBrief(s)) ??
      candidates.find((s) => qualified(s) === official) ??
      candidates.find(carriesBrief) ??
      candidates[0];
    if (!match) {
      const sameName = byName.get(official) ?? [];
      for (const s of sameName) accounted.add(s);
      const held = sameName[0];
      if (held) {
        const found = `${official} = ${quote(held.value)}`;
        if (r.wrongValue.length < SAMPLE) r.wrongValue.push(`${found}, expected ${quote(e.value)}`);
        defects.push({
          kind: 'wrong_value',
          item,
          expected: official,
          found,
          file: held.file,
          line: held.line,
          message: `wrong value: ${found} (${at(held)}), expected ${quote(e.value)} for ${what}`,
        });
        return;
      }
      if (r.missing.length < SAMPLE)
        r.missing.push(
          `${e.kind} ${e.memberId ? `${e.key} member ${e.memberId}` : e.key} (expected ${official})`,
        );
      // a symbol holding the value under a name that does not carry the item (member values are shared by enums)
      const holder =
        e.kind === 'member'
          ? undefined
          : byValue
              .get(valueKey(e.value))
              ?.find((s) => !officialSet.has(qualified(s)) && !carries(e.key, undefined, s));
      defects.push({
        kind: 'missing',
        item,
        expected: official,
        ...(holder ? { file: holder.file, line: holder.line } : {}),
        message:
          `missing: ${e.deprecated ? 'deprecated ' : ''}${what}${e.deprecated ? ' (the scope includes deprecated items)' : ''}: ` +
          `emit ${emitted(e, official)}${e.deprecated ? `, marked deprecated${marker}` : ''}` +
          (holder
            ? `; ${qualified(holder)} (${at(holder)}) holds its value under a name that does not carry it`
            : ''),
      });
      return;
    }
    r.found++;
    r.foundKeys.push(`${e.kind}:${e.key}${e.memberId ? `#${e.memberId}` : ''}=${JSON.stringify(e.value)}`);
    const name = qualified(match);
    const where = at(match);
    if (name === official) r.namedOfficially++;
    else {
      if (r.misnamed.length < SAMPLE) r.misnamed.push(`${name} should be ${official}`);
      defects.push({
        kind: 'wrong_name',
        item,
        expected: official,
        found: name,
        file: match.file,
        line: match.line,
        message: `wrong name: ${name} (${where}) for ${what}: rename it ${official}`,
      });
    }
    if (brief) {
      r.documentable++;
      if (carriesBrief(match)) r.documented++;
      else
        defects.push({
          kind: 'undocumented',
          item,
          expected: official,
          found: name,
          file: match.file,
          line: match.line,
          message: `undocumented: ${name} (${where}) lacks the brief of ${what}: add it to its doc comment in full: ${quote(excerpt(e.brief))}`,
        });
    }
    if (e.deprecated) {
      r.deprecatedFound++;
      if (match.deprecated) r.deprecatedMarked++;
      else
        defects.push({
          kind: 'unmarked_deprecated',
          item,
          expected: official,
          found: name,
          file: match.file,
          line: match.line,
          message: `not marked deprecated: ${name} (${where}): ${what} is deprecated, mark it${marker}`,
        });
    } else if (!e.parentDeprecated) {
      r.notDeprecatedFound++;
      if (match.deprecated) {
        r.falselyDeprecated++;
        defects.push({
          kind: 'falsely_deprecated',
          item,
          expected: official,
          found: name,
          file: match.file,
          line: match.line,
          message: `falsely deprecated: ${name} (${where}) is marked deprecated, but ${what} is not: remove the marker`,
        });
      }
    }
  });

  // what was emitted beyond the expected items must stand for something the registry defines
  const known = [...expected, ...(options.known ?? [])];
  const knownOfficial = new Set(
    known.flatMap((k) => (isItemKind(k.kind) ? [officialName(k as ExpectedSymbol, naming)] : [])),
  );
  const knownByValue = groupBy(known, (k) =>
    k.kind === 'description' ? textKey(k.value) : valueKey(k.value),
  );
  const expectedByValue = groupBy(expected, (e) => valueKey(e.value));
  for (const s of extracted) {
    if (accounted.has(s) || knownOfficial.has(qualified(s))) continue;
    const same = [
      ...(knownByValue.get(valueKey(s.value)) ?? []),
      ...(knownByValue.get(textKey(s.value)) ?? []),
    ];
    if (same.some((k) => carries(k.key, k.memberId, s))) continue;
    r.invented++;
    const name = qualified(s);
    const stands =
      s.kind === 'constant'
        ? expectedByValue.get(valueKey(s.value))?.find((e) => e.kind !== 'member')
        : undefined;
    defects.push({
      kind: 'invented',
      item: name,
      found: `${name} = ${quote(s.value)}`,
      file: s.file,
      line: s.line,
      message: stands
        ? `invented: ${name} = ${quote(s.value)} (${at(s)}) holds the value of ${describe(stands)} under a name that does not carry it: rename it ${officialName(stands, naming)}`
        : `invented: ${name} = ${quote(s.value)} (${at(s)}) stands for no registry item: remove it`,
    });
  }

  const order = (k: DefectKind) => DEFECT_KINDS.indexOf(k);
  defects.sort((a, b) => order(a.kind) - order(b.kind));
  for (const d of defects) r.defectCounts[d.kind]++;
  r.defectsTotal = defects.length;
  r.defects = defects.slice(0, DEFECT_CAP);
  r.correct = CORRECTNESS_KINDS.every((k) => r.defectCounts[k] === 0);
  return r;
}
