import { type Random, seededRandom } from '../../node/optimizer/random.js';
import type { Slip, Slot } from './code.js';
import type { Item, SimLanguage } from './prompt.js';

/**
 * The simulated model's mistakes. A first answer carries defects drawn from seeds: a profile per
 * (namespace, model, run seed) says how careless the model is on that registry and which mistakes it
 * tends to make, then each item is drawn on its own (seed per item, language, model and run seed), so
 * a first answer is the same whatever the chunking or the prompt variant. The distributions, all in this file:
 *
 * - clean first answer (the whole namespace right): probability CLEAN (0.15);
 * - otherwise each item has a defect with probability lambda ~ Uniform(0.03, 0.18) (per profile);
 * - its kind from a mix drawn per profile: weight_k = BASE_WEIGHT[k] x Exp(1) (a Dirichlet draw scaled
 *   by the base weights below); a kind that cannot apply to the item (no deprecation mark to drop, no
 *   quote to lose, a member cannot be invented beside) is drawn again, up to 8 times;
 * - in a correction round, with probability p_new ~ Uniform(0, 0.2) (per profile) one new defect, of a
 *   kind from the same mix, on an item that was right: models break things while fixing others;
 * - asked again without its previous files, the model answers anew: draw k of every item (and of the
 *   namespace's cleanness) instead of draw 1.
 */
export type InjectedKind =
  | 'syntax'
  | 'wrong_case'
  | 'misspelled'
  | 'wrong_value'
  | 'unmarked_deprecated'
  | 'falsely_deprecated'
  | 'invented'
  | 'missing';

export const BASE_WEIGHT: Record<InjectedKind, number> = {
  missing: 1.0,
  wrong_case: 0.6,
  misspelled: 0.8,
  wrong_value: 0.8,
  syntax: 0.6,
  unmarked_deprecated: 0.6,
  invented: 0.5,
  falsely_deprecated: 0.2,
};
export const CLEAN = 0.15;
export const RATE = [0.03, 0.18] as const;
export const NEW_DEFECT = [0, 0.2] as const;
/** what a model invents beside an item: suffixes no item of the real registry ends with */
const INVENTED = ['ALIAS', 'HINT', 'ORIGIN', 'FLAGS', 'EXTRA', 'REMARK'];

/** What the simulated model is like on one namespace for one run seed. */
export interface Profile {
  clean: boolean;
  rate: number;
  mix: Record<InjectedKind, number>;
  newDefect: number;
}

// ---- seeded randomness: FNV-1a over the seed's parts, then mulberry32

export function hashOf(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export type Rng = Random;

/** the product's own seeded generator (mulberry32) */
export const rngOf = (seed: number): Rng => seededRandom(seed);

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const uniform = (rng: Rng, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * rng();

export function profileOf(seed: number): Profile {
  const rng = rngOf(hashOf(seed, 'profile'));
  const mix = Object.fromEntries(
    Object.entries(BASE_WEIGHT).map(([k, w]) => [k, w * -Math.log(1 - rng())]),
  ) as Record<InjectedKind, number>;
  return { clean: rng() < CLEAN, rate: uniform(rng, RATE), mix, newDefect: uniform(rng, NEW_DEFECT) };
}

export function drawKind(rng: Rng, mix: Record<InjectedKind, number>): InjectedKind {
  const total = Object.values(mix).reduce((s, w) => s + w, 0);
  let x = rng() * total;
  for (const [k, w] of Object.entries(mix) as [InjectedKind, number][]) {
    x -= w;
    if (x <= 0) return k;
  }
  return 'missing';
}

/** Python's checker reads any "Deprecated" in a docstring as a mark: no mark to add or drop there. */
const saysDeprecated = (s: Slot) => /\bdeprecated\b/i.test(s.brief);

/**
 * Applies one defect of kind `kind` to `slots[at]` (in place; `missing` removes it, `invented` adds
 * a slot after it). Returns false when the kind cannot apply there.
 */
export function applyDefect(
  language: SimLanguage,
  slots: Slot[],
  at: number,
  kind: InjectedKind,
  rng: Rng,
  taken: { names: Set<string>; literals: Set<string> },
): boolean {
  const s = slots[at];
  if (!s.item) return false;
  switch (kind) {
    case 'missing':
      slots.splice(at, 1);
      return true;
    case 'syntax': {
      const string = /^['"]/.test(s.literal) || s.kind === 'template';
      const slips: Slip[] =
        language === 'typescript'
          ? string
            ? ['type', 'quote']
            : ['type']
          : string
            ? ['quote', 'equals']
            : ['equals'];
      s.slip = pick(rng, slips);
      return true;
    }
    case 'wrong_case': {
      const variants =
        language === 'typescript'
          ? [
              s.name.toLowerCase(),
              camel(s.name),
              s.name.replace(/^([A-Z]+)_/, (_, p: string) => `${cap(p)}_`),
            ]
          : s.container
            ? [cap(s.name), s.name.toLowerCase()]
            : [s.name.toLowerCase(), camel(s.name)];
      const name = pick(
        rng,
        variants.filter((v) => v !== s.name && !taken.names.has(v)),
      );
      if (!name) return false;
      s.name = name;
      taken.names.add(name);
      return true;
    }
    case 'misspelled': {
      const name = misspell(s.name, rng);
      if (!name || taken.names.has(name)) return false;
      s.name = name;
      taken.names.add(name);
      return true;
    }
    case 'wrong_value': {
      const literal = wrongLiteral(s.literal, rng);
      if (!literal || taken.literals.has(literal)) return false;
      s.literal = literal;
      taken.literals.add(literal);
      return true;
    }
    case 'unmarked_deprecated':
      if (!s.deprecated || (language === 'python' && saysDeprecated(s))) return false;
      s.deprecated = false;
      return true;
    case 'falsely_deprecated':
      if (s.deprecated || (language === 'python' && saysDeprecated(s))) return false;
      s.deprecated = true;
      s.note = 'No longer recommended.';
      return true;
    case 'invented': {
      if (s.kind === 'member') return false;
      const suffix = pick(rng, INVENTED);
      const name = `${s.item.name.replace(/_TEMPLATE$/, '')}_${suffix}`;
      const q = s.literal[0];
      const literal = `${q}${s.item.key}.${suffix.toLowerCase()}${q}`;
      if (taken.names.has(name) || taken.literals.has(literal)) return false;
      taken.names.add(name);
      taken.literals.add(literal);
      slots.splice(at + 1, 0, {
        kind: 'attribute',
        name,
        container: '',
        literal,
        brief: `The ${suffix.toLowerCase()} of the ${s.item.key.split('.').slice(-1)[0].replace(/_/g, ' ')}.`,
        deprecated: false,
        note: '',
        experimental: s.experimental,
        file: s.file,
      });
      return true;
    }
  }
}

const cap = (w: string) => w.charAt(0) + w.slice(1).toLowerCase();
const camel = (n: string) =>
  n
    .toLowerCase()
    .split('_')
    .map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');

/** A letter dropped, doubled or two letters swapped, in a word of the name that is not its prefix. */
function misspell(name: string, rng: Rng): string | undefined {
  const words = name.split('_');
  const at = words
    .map((_, i) => i)
    .filter((i) => words[i].length >= 4 && !/^(ATTR|METRIC|EVENT|VALUE|TEMPLATE)$/.test(words[i]));
  if (!at.length) return undefined;
  const i = pick(rng, at);
  const w = words[i];
  const j = 1 + Math.floor(rng() * (w.length - 2));
  const how = Math.floor(rng() * 3);
  words[i] =
    how === 0
      ? w.slice(0, j) + w.slice(j + 1)
      : how === 1
        ? w.slice(0, j) + w[j] + w.slice(j)
        : w.slice(0, j - 1) + w[j] + w[j - 1] + w.slice(j + 1);
  const out = words.join('_');
  return out === name ? undefined : out;
}

/** A value a model might write instead: a separator changed, a letter dropped, a number off by one. */
function wrongLiteral(literal: string, rng: Rng): string | undefined {
  if (/^-?\d/.test(literal)) return String(Number(literal) + 1);
  if (/^(true|false|True|False)$/.test(literal)) return undefined;
  const q = literal[0];
  const v = literal.slice(1, -1);
  if (v.length < 2) return `${q}${v}${v}${q}`;
  const seps = [...v].map((c, i) => (c === '.' || c === '_' ? i : -1)).filter((i) => i >= 0);
  if (seps.length && rng() < 0.5) {
    const i = pick(rng, seps);
    return `${q}${v.slice(0, i)}${v[i] === '.' ? '_' : '.'}${v.slice(i + 1)}${q}`;
  }
  const letters = [...v].map((c, i) => (/[a-z]/i.test(c) && i > 0 ? i : -1)).filter((i) => i >= 0);
  if (!letters.length) return `${q}${v}_${q}`;
  const i = pick(rng, letters);
  return `${q}${v.slice(0, i)}${v.slice(i + 1)}${q}`;
}

/**
 * Draw `k` of a model's answer: each item, in order, gets a defect or not (see above). `slots` are the
 * right slots of `items` (changed in place). Returns the kinds applied.
 */
export function draftDefects(
  language: SimLanguage,
  slots: Slot[],
  items: Item[],
  seed: { model: string; run: number },
  k: number,
  taken: { names: Set<string>; literals: Set<string> },
): InjectedKind[] {
  const applied: InjectedKind[] = [];
  for (const item of items) {
    const profile = profileOf(hashOf(seed.model, seed.run, item.ns));
    const clean =
      k === 1 ? profile.clean : rngOf(hashOf(seed.model, seed.run, item.ns, language, 'clean', k))() < CLEAN;
    if (clean) continue;
    const rng = rngOf(hashOf(seed.model, seed.run, language, item.id, 'draft', k));
    if (rng() >= profile.rate) continue;
    for (let tries = 0; tries < 8; tries++) {
      const kind = drawKind(rng, profile.mix);
      const at = slots.findIndex((s) => s.item === item);
      if (at >= 0 && applyDefect(language, slots, at, kind, rng, taken)) {
        applied.push(kind);
        break;
      }
    }
  }
  return applied;
}

/** One new defect on a slot that is right: a kind from the profile's mix, then a slot it applies to. */
export function newDefect(
  language: SimLanguage,
  slots: Slot[],
  profile: Profile,
  rng: Rng,
  taken: { names: Set<string>; literals: Set<string> },
): InjectedKind[] {
  for (let tries = 0; tries < 8; tries++) {
    const kind = drawKind(rng, profile.mix);
    const candidates = slots.map((_, i) => i).filter((i) => isRight(slots[i]));
    for (let j = candidates.length - 1; j > 0; j--) {
      const m = Math.floor(rng() * (j + 1));
      [candidates[j], candidates[m]] = [candidates[m], candidates[j]];
    }
    for (const at of candidates) if (applyDefect(language, slots, at, kind, rng, taken)) return [kind];
  }
  return [];
}

/** A slot exactly as its item says. */
export function isRight(s: Slot): boolean {
  const i = s.item;
  return (
    !!i &&
    !s.slip &&
    s.name === i.name &&
    s.container === i.container &&
    s.literal === i.literal &&
    s.deprecated === i.deprecated
  );
}
