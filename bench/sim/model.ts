import { createHash } from 'node:crypto';
import type { RecordedRequest } from '../recorded-model.js';
import { idealSlot, parseFile, renderFile, type Slot } from './code.js';
import { draftDefects, hashOf, type InjectedKind, isRight, newDefect, profileOf, rngOf } from './defects.js';
import { type FeedbackLine, type Item, parseRequest, type SimRequest } from './prompt.js';

/** A correctness defect of an answer, as the simulation knows it (the registry section is its truth). */
export interface Defect {
  kind:
    | 'syntax'
    | 'wrong_name'
    | 'wrong_value'
    | 'unmarked_deprecated'
    | 'falsely_deprecated'
    | 'invented'
    | 'missing';
  /** the item's official name (or the invented name) */
  name: string;
  file: string;
}

/** One answer the simulated model gave, for the report (never read back by the model). */
export interface SimAnswer {
  /** the run the harness said was going on (registry, seed, arm) */
  run: string;
  language: string;
  round: number;
  chunk: string;
  /** the defects of this answer, file by file, and how many items each file should hold */
  files: { path: string; key: string; items: number; defects: Defect[] }[];
  /** first answer or a fresh one: the kinds drawn; a correction: the new defect it made, if any */
  injected: InjectedKind[];
  /** a correction: the previous answer's defects as the model read them, and which the feedback named */
  before: Defect[];
  named: Defect[];
  /** for each named defect, the feedback line that named it */
  namedBy: string[];
  /** the defects of this answer that the previous one did not have (a first answer: all of them) */
  made: Defect[];
  /** a correction without previous files: the model answered anew */
  fresh: boolean;
  /** feedback lines by section label (labels as the prompt gave them) */
  sections: Record<string, number>;
  /** feedback lines (diagnostics aside) that name nothing of this chunk: about items of other chunks */
  foreign: string[];
}

export interface SimModel {
  respond(req: RecordedRequest): string;
  /** what the next requests belong to, and the run's seed (the model's own randomness, like a sampling seed) */
  use(run: string, seed: number): void;
  readonly answers: SimAnswer[];
  /** the defects of a file the model wrote (by path and content), or undefined for a file it did not write */
  defectsOf(path: string, sha256: string): Defect[] | undefined;
}

const fence = { typescript: ['typescript', '//'], python: ['python', '#'] } as const;
export const fileKey = (path: string, sha: string) => `${path}\u0000${sha}`;
/** sha-256 of a file as the product stores it (the answer's block, trailing blank space trimmed) */
export const shaOf = (content: string) =>
  createHash('sha256')
    .update(`${content.replace(/\s+$/, '')}\n`)
    .digest('hex');

/**
 * The simulated model behind the loopback OpenAI-protocol server: it writes its answer from the
 * prompt alone (see ./prompt.ts), with the defects of ./defects.ts in its first answer; a correction
 * prompt's previous files are read back, and only the defects the feedback names are fixed (see
 * `namedBy`); without previous files it answers anew (another sample, other defects).
 */
export function createSimModel(name = 'sim'): SimModel {
  const answers: SimAnswer[] = [];
  const ledger = new Map<string, Defect[]>();
  let run = '';
  let runSeed = 0;
  return {
    answers,
    use(r, s) {
      run = r;
      runSeed = s;
    },
    defectsOf: (path, sha) => ledger.get(fileKey(path, sha)),
    respond(req) {
      const r = parseRequest(req.system, req.user);
      const chunk = `${r.header}|${r.files.join(',')}`;
      const seed = { model: `${name}|${req.model}`, run: runSeed };
      const answer = r.round === 1 ? firstAnswer(r, seed) : correction(r, seed, chunk);
      const files = r.files.map((path) => {
        const slots = answer.slots.filter((s) => s.file === path);
        const { content } = renderFile(r.language, slots);
        const key = fileKey(path, shaOf(content));
        const items = r.items.filter((i) => i.file === path);
        const defects = defectsOf(slots, items);
        ledger.set(key, defects);
        return { path, content, key, items: items.length, defects };
      });
      answers.push({
        run,
        language: r.language,
        round: r.round,
        chunk,
        files: files.map(({ path, key, items, defects }) => ({ path, key, items, defects })),
        injected: answer.injected,
        before: answer.before,
        made: files
          .flatMap((f) => f.defects)
          .filter((d) => !answer.before.some((b) => b.kind === d.kind && b.name === d.name)),
        named: answer.named,
        namedBy: answer.namedBy,
        fresh: answer.fresh,
        sections: sectionsOf(r.feedback),
        foreign: foreignLines(r),
      });
      const [lang, comment] = fence[r.language];
      return `Here are the files.\n\n${files
        .map((f) => `\`\`\`${lang}\n${comment} file: ${f.path}\n${f.content}\`\`\`\n`)
        .join('\n')}`;
    },
  };
}

interface Answer {
  slots: Slot[];
  injected: InjectedKind[];
  before: Defect[];
  named: Defect[];
  namedBy: string[];
  fresh: boolean;
}

const takenOf = (r: SimRequest) => ({
  names: new Set(r.items.map((i) => i.name)),
  literals: new Set(r.items.map((i) => i.literal)),
});

type Seed = { model: string; run: number };

/** A sample of the model's answer: the right slots, then defects drawn (draw `k` of every item). */
function draft(r: SimRequest, seed: Seed, k: number): { slots: Slot[]; injected: InjectedKind[] } {
  const slots = r.items.map(idealSlot);
  return { slots, injected: draftDefects(r.language, slots, r.items, seed, k, takenOf(r)) };
}

function firstAnswer(r: SimRequest, seed: Seed): Answer {
  return { ...draft(r, seed, 1), before: [], named: [], namedBy: [], fresh: false };
}

/**
 * A correction: the previous files read back and matched to the prompt's items; each defect the
 * feedback names is fixed, the others stay as they were; then, seeded, maybe one new defect. A file
 * the prompt does not show again (or the part of a shortened one that was cut) is written as in the
 * first draft. Without any previous file the model answers anew: another draft.
 */
function correction(r: SimRequest, seed: Seed, chunk: string): Answer {
  const shown = r.previous.filter((p) => r.files.includes(p.path));
  if (shown.length === 0) {
    const again = draft(r, seed, r.round);
    return { ...again, before: [], named: [], namedBy: [], fresh: true };
  }
  const first = draft(r, seed, 1).slots;
  let slots: Slot[] = [];
  for (const path of r.files) {
    const items = r.items.filter((i) => i.file === path);
    const prev = shown.find((p) => p.path === path);
    if (!prev) {
      slots.push(...first.filter((s) => s.file === path));
      continue;
    }
    const read = matchItems(parseFile(r.language, path, prev.content), items);
    if (prev.truncated) {
      const last = Math.max(-1, ...read.filter((s) => s.item).map((s) => s.item!.order));
      const seen = new Set(read.map((s) => s.item));
      read.push(
        ...first.filter((s) => s.file === path && s.item && s.item.order > last && !seen.has(s.item)),
      );
    }
    slots.push(...read);
  }
  const before = defectsOf(slots, r.items);
  const named: Defect[] = [];
  const evidence: string[] = [];
  const members = r.items.filter((i) => i.kind === 'member');
  // fix what is named
  slots = slots.flatMap((s) => {
    if (s.item ? isRight(s) : false) return [s];
    const line = namedBy(r.feedback, s, members);
    if (!line) return [s];
    const ds = defectsOf([s], []).filter((d) => d.kind !== 'missing');
    named.push(...ds);
    evidence.push(...ds.map(() => line.text));
    return s.item ? [idealSlot(s.item)] : [];
  });
  const present = new Set(slots.map((s) => s.item));
  for (const item of r.items) {
    const line = present.has(item) ? undefined : namedBy(r.feedback, idealSlot(item), members);
    if (!line) continue;
    named.push({ kind: 'missing', name: official(item), file: item.file });
    evidence.push(line.text);
    const at = slots.findIndex((s) => s.item && s.item.order > item.order);
    slots.splice(at < 0 ? slots.length : at, 0, idealSlot(item));
  }
  // maybe break something that was right (the profile of the chunk's first namespace)
  const profile = profileOf(hashOf(seed.model, seed.run, r.items[0]?.ns ?? ''));
  const rng = rngOf(hashOf(seed.model, seed.run, chunk, 'new', r.round));
  const injected = rng() < profile.newDefect ? newDefect(r.language, slots, profile, rng, takenOf(r)) : [];
  return { slots, injected, before, named, namedBy: evidence, fresh: false };
}

/** Each read slot paired with its item: by name, else by value and brief together; the rest invented. */
function matchItems(read: Slot[], items: Item[]): Slot[] {
  const free = new Set(items);
  const found: (Item | undefined)[] = [];
  for (const s of read) {
    const i = [...free].find((x) => x.name === s.name && x.container === s.container);
    if (i) free.delete(i);
    found.push(i);
  }
  return read.map((s, k) => {
    const i =
      found[k] ??
      [...free].find(
        (x) => x.literal === s.literal && x.brief === s.brief && (x.kind === 'member') === !!s.container,
      );
    if (!i) return s;
    free.delete(i);
    return { ...s, item: i, kind: i.kind };
  });
}

/** The correctness defects of a set of slots against the items they should hold. */
export function defectsOf(slots: Slot[], items: Item[]): Defect[] {
  const out: Defect[] = [];
  const present = new Set(slots.map((s) => s.item));
  for (const s of slots) {
    const i = s.item;
    if (!i) {
      out.push({ kind: 'invented', name: s.name, file: s.file });
      continue;
    }
    const d = (kind: Defect['kind']) => out.push({ kind, name: official(i), file: i.file });
    if (s.slip) d('syntax');
    if (s.name !== i.name || s.container !== i.container) d('wrong_name');
    if (s.literal !== i.literal) d('wrong_value');
    if (i.deprecated && !s.deprecated) d('unmarked_deprecated');
    if (!i.deprecated && s.deprecated) d('falsely_deprecated');
  }
  for (const i of items) if (!present.has(i)) out.push({ kind: 'missing', name: official(i), file: i.file });
  return out;
}

const official = (i: Item) => (i.container ? `${i.container}.${i.name}` : i.name);

const tokensOf = (text: string) =>
  new Set(
    text
      .split(/[^A-Za-z0-9_.]+/)
      .map((t) => t.replace(/^\.+|\.+$/g, ''))
      .filter(Boolean),
  );
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Does the feedback name this slot? A line names it when it holds, as a whole token, the item's
 * official name, the name the answer used (Python members also as `Class.MEMBER`), or the registry
 * key (for an enum member: its attribute's key and the member together; a line about a member does
 * not name its attribute by the key alone); a compiler diagnostic names it when it points at the
 * slot's file and one of its lines. Section labels are not read.
 */
export function namedBy(feedback: FeedbackLine[], s: Slot, members: Item[]): FeedbackLine | undefined {
  const i = s.item;
  const names = new Set(
    [
      s.name,
      i?.name,
      s.container && `${s.container}.${s.name}`,
      i?.container && `${i.container}.${i.name}`,
    ].filter((x): x is string => !!x),
  );
  const value = !i && /^['"]/.test(s.literal) ? s.literal.slice(1, -1) : undefined;
  for (const line of feedback) {
    if (
      line.at &&
      s.lines &&
      line.at.file === s.file &&
      line.at.line >= s.lines[0] &&
      line.at.line <= s.lines[1]
    )
      return line;
    const tokens = tokensOf(line.text);
    if ([...names].some((n) => tokens.has(n))) return line;
    if (value && tokens.has(value)) return line;
    if (!i || !tokens.has(i.key)) continue;
    const memberNamed = (m: Item) =>
      tokens.has(m.name) ||
      (m.container && tokens.has(`${m.container}.${m.name}`)) ||
      (tokens.has(m.key) && [...tokens].some((t) => norm(t) === norm(m.member ?? '')));
    if (i.kind === 'member') {
      if ([...tokens].some((t) => norm(t) === norm(i.member ?? ''))) return line;
    } else if (!members.some((m) => m.key === i.key && memberNamed(m))) return line;
  }
  return undefined;
}

/**
 * Feedback lines that name no item of the prompt's listing (nor a name of the previous files: a
 * Python enum member by its class too, as the checker names it: `ShopOrderStatusValues.SHIPPPED`).
 */
export function foreignLines(r: SimRequest): string[] {
  const known = new Set(r.items.flatMap((i) => [i.name, i.key, i.container && `${i.container}.${i.name}`]));
  for (const p of r.previous)
    for (const s of parseFile(r.language, p.path, p.content)) {
      known.add(s.name);
      if (s.container) known.add(`${s.container}.${s.name}`);
    }
  return r.feedback
    .filter((l) => !/^(?:\S+:\d+:\d+: )?(?:error|warning): /.test(l.text))
    .filter((l) => ![...tokensOf(l.text)].some((t) => known.has(t)))
    .map((l) => l.text);
}

function sectionsOf(feedback: FeedbackLine[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of feedback) out[f.section] = (out[f.section] ?? 0) + 1;
  return out;
}
