import type { ExpectedSymbol } from './expected.js';
import type { Naming } from './languages/types.js';
import type { ExtractedSymbol } from './symbols/types.js';

export interface SymbolReport {
  expected: number;
  found: number;
  /** of found symbols: how many carry the official name */
  namedOfficially: number;
  /** of found symbols with a brief in the registry: how many carry it as a doc comment */
  documentable: number;
  documented: number;
  /** of found deprecated symbols: how many are marked deprecated */
  deprecatedFound: number;
  deprecatedMarked: number;
  /** a few of each kind of miss, for diagnostics fed back to generators */
  /** the registry symbols found with their exact value: what candidates are compared on for agreement */
  foundKeys: string[];
  missing: string[];
  misnamed: string[];
  wrongValue: string[];
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const words = (s: string) => s.replace(/\s+/g, ' ').trim();
const SAMPLE = 20;

/** Matches the registry's expected symbols against what a candidate really emitted. */
export function checkSymbols(
  expected: ExpectedSymbol[],
  extracted: ExtractedSymbol[],
  naming: Naming,
): SymbolReport {
  const byValue = new Map<string, ExtractedSymbol[]>();
  for (const s of extracted) {
    const k = String(s.value);
    byValue.set(k, [...(byValue.get(k) ?? []), s]);
  }
  const byName = new Map(extracted.map((s) => [qualified(s), s]));
  const r: SymbolReport = {
    expected: expected.length,
    found: 0,
    namedOfficially: 0,
    documentable: 0,
    documented: 0,
    deprecatedFound: 0,
    deprecatedMarked: 0,
    foundKeys: [],
    missing: [],
    misnamed: [],
    wrongValue: [],
  };
  for (const e of expected) {
    const official = officialName(e, naming);
    const candidates = (byValue.get(String(e.value)) ?? []).filter((s) => fits(e, s));
    // Several symbols may hold the same value (an attribute and a metric of the same name, members of
    // different enums): prefer the official name, then one documented with this item's brief, then one
    // whose qualified name mentions the attribute.
    const brief = words(e.brief).slice(0, 40);
    const match =
      candidates.find((s) => qualified(s) === official && (!brief || words(s.doc).includes(brief))) ??
      candidates.find((s) => qualified(s) === official) ??
      (brief ? candidates.find((s) => words(s.doc).includes(brief)) : undefined) ??
      candidates.find((s) => norm(qualified(s)).includes(norm(e.key))) ??
      candidates[0];
    if (!match) {
      const sameName = byName.get(official);
      if (sameName && r.wrongValue.length < SAMPLE)
        r.wrongValue.push(
          `${official} = ${JSON.stringify(sameName.value)}, expected ${JSON.stringify(e.value)}`,
        );
      else if (r.missing.length < SAMPLE)
        r.missing.push(
          `${e.kind} ${e.memberId ? `${e.key} member ${e.memberId}` : e.key} (expected ${official})`,
        );
      continue;
    }
    r.found++;
    r.foundKeys.push(`${e.kind}:${e.key}${e.memberId ? `#${e.memberId}` : ''}=${JSON.stringify(e.value)}`);
    if (qualified(match) === official) r.namedOfficially++;
    else if (r.misnamed.length < SAMPLE) r.misnamed.push(`${qualified(match)} should be ${official}`);
    if (e.brief) {
      r.documentable++;
      if (words(match.doc).includes(words(e.brief).slice(0, 40))) r.documented++;
    }
    if (e.deprecated) {
      r.deprecatedFound++;
      if (match.deprecated) r.deprecatedMarked++;
    }
  }
  return r;
}

function qualified(s: ExtractedSymbol): string {
  return s.container ? `${s.container}.${s.name}` : s.name;
}

function officialName(e: ExpectedSymbol, n: Naming): string {
  switch (e.kind) {
    case 'attribute':
      return n.attribute(e.key);
    case 'template':
      return n.templateAttribute(e.key);
    case 'member':
      return n.enumMember(e.key, e.memberId ?? '');
    case 'metric':
      return n.metric(e.key);
    case 'event':
      return n.event(e.key);
  }
}

/** An enum member value like "GET" is shared by many enums: the symbol's name must end with the member id. */
function fits(e: ExpectedSymbol, s: ExtractedSymbol): boolean {
  if (e.kind !== 'member') return true;
  return norm(s.name).endsWith(norm(e.memberId ?? '')) || norm(qualified(s)).includes(norm(e.key));
}
