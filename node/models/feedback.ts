import { goName, pascalCase, screamingSnakeCase } from '../generation/case.js';
import type { GeneratedFile } from '../generation/index.js';
import type { DefectKind, ValidationResult } from '../validation/index.js';
import type { RegistryChunk } from './chunking.js';
import type { ChunkRecord, Feedback } from './index.js';
import type { PromptFeedback } from './prompt.js';

/** Most diagnostics and symbol issues one prompt carries (the rest are of the same kind, usually). */
const MAX_ITEMS = 50;

/**
 * The feedback for the next round from a candidate's validation: compiler diagnostics with their
 * file:line, every correctness defect by kind (missing, misnamed, wrong value, invented, deprecation
 * not marked or marked falsely) with its place, and (when given) the previous output with its chunk
 * map, so chunks with nothing to fix are reused and the rest corrected.
 */
export function feedbackFromValidation(
  v: ValidationResult,
  previous?: { files: GeneratedFile[]; chunks?: ChunkRecord[]; model?: string },
  round = 1,
): Feedback {
  const diagnostics = v.toolchain.diagnostics.map((d) => ({
    file: d.file,
    line: d.line,
    column: d.column,
    severity: d.severity,
    message: d.message,
  }));
  if (v.toolchain.status === 'failed' && !diagnostics.some((d) => d.severity === 'error'))
    diagnostics.unshift({
      file: '',
      line: 0,
      column: 0,
      severity: 'error',
      message: v.toolchain.reason ?? `${v.toolchain.tool} failed`,
    });
  const of = (kind: DefectKind) => v.symbols.defects.filter((d) => d.kind === kind).map((d) => d.message);
  return {
    round,
    summary: `${v.toolchain.tool}: ${v.toolchain.status}, ${v.toolchain.errors} errors, ${v.toolchain.warnings} warnings; ${v.symbols.found} of ${v.symbols.expected} registry symbols found; q=${v.quality.q.toFixed(3)}`,
    diagnostics,
    // every defect of each kind, each naming the item, where it is and the fix
    missing: of('missing'),
    misnamed: of('wrong_name'),
    wrongValue: of('wrong_value'),
    invented: of('invented'),
    unmarkedDeprecated: of('unmarked_deprecated'),
    falselyDeprecated: of('falsely_deprecated'),
    ...(previous ? { previous } : {}),
  };
}

/** What one chunk gets of the feedback: its previous files to reuse as they are, or a prompt section. */
export interface RoutedFeedback {
  reuse?: GeneratedFile[];
  prompt?: PromptFeedback;
}

/**
 * Routes the feedback to one chunk. When the previous round has a chunk with the same id, the chunk
 * gets the diagnostics of its own files, the symbol issues that mention its namespaces, and whatever
 * cannot be placed (diagnostics of scaffold files, failing tests); a chunk with nothing routed to it
 * reuses its previous files without asking the model again. Without a chunk map, every chunk gets
 * everything.
 */
export function routeFeedback(
  feedback: Feedback | undefined,
  chunk: RegistryChunk,
  allNamespaces: string[],
  maxFileChars: number,
): RoutedFeedback {
  if (!feedback) return {};
  const prev = feedback.previous;
  const mine = prev?.chunks?.find((c) => c.id === chunk.id);
  const placed = new Set(prev?.chunks?.flatMap((c) => c.files) ?? []);
  const own = new Set(mine?.files ?? []);
  const diagnostics = feedback.diagnostics.filter((d) => !mine || own.has(d.file) || !placed.has(d.file));
  // a part of a split namespace gets only the issues of its own items or files: one that names
  // another part's item is that part's; one that names no item of the namespace stays with every part
  const ownKeys = chunk.parts > 1 ? itemKeys(chunk) : undefined;
  const inOwnFile = (s: string) => [...own].some((f) => s.includes(`${f}:`));
  const inOtherFile = (s: string) => [...placed].some((f) => s.includes(`${f}:`));
  const route = (items: string[] = []) =>
    items.filter((s) => {
      if (!mine) return true;
      if (ownKeys) {
        if (ownKeys.some((k) => mentionsKey(s, k)) || inOwnFile(s)) return true;
        if (inOtherFile(s)) return false;
        if (chunk.namespaces.some((ns) => mentions(s, ns)))
          return !chunk.namespaces.some((ns) =>
            new RegExp(`(^|[^A-Za-z0-9_.])${escapeRegExp(ns)}\\.[a-z0-9_]`).test(s),
          );
        return !allNamespaces.some((ns) => mentions(s, ns));
      }
      // an issue with its file:line is that file's chunk's, whatever name it carries (an invented
      // name may match no namespace)
      if (inOwnFile(s)) return true;
      if (inOtherFile(s)) return false;
      if (chunk.namespaces.some((ns) => mentions(s, ns))) return true;
      return !allNamespaces.some((ns) => mentions(s, ns));
    });
  const missing = route(feedback.missing);
  const misnamed = route(feedback.misnamed);
  const wrong = route(feedback.wrongValue);
  const invented = route(feedback.invented);
  const unmarked = route(feedback.unmarkedDeprecated);
  const falsely = route(feedback.falselyDeprecated);
  const tests = feedback.failingTests ?? [];
  const byPath = new Map((prev?.files ?? []).map((f) => [f.path, f]));
  const issues =
    diagnostics.length +
    missing.length +
    misnamed.length +
    wrong.length +
    invented.length +
    unmarked.length +
    falsely.length +
    tests.length;
  if (mine && issues === 0 && mine.files.length && mine.files.every((p) => byPath.has(p)))
    return { reuse: mine.files.map((p) => byPath.get(p)!) };
  // the model sees what it answered: its own chunk's files, or (without a chunk map) every file,
  // the ones with diagnostics first, as far as the room allows
  const previousFiles = mine
    ? mine.files.flatMap((p) => (byPath.has(p) ? [byPath.get(p)!] : []))
    : [...(prev?.files ?? [])].sort(
        (a, b) =>
          Number(diagnostics.some((d) => d.file === b.path)) -
          Number(diagnostics.some((d) => d.file === a.path)),
      );
  let room = maxFileChars;
  const files: PromptFeedback['files'] = [];
  for (const f of previousFiles) {
    if (room <= 0) break;
    const truncated = f.content.length > room;
    files.push({ path: f.path, content: truncated ? f.content.slice(0, room) : f.content, truncated });
    room -= f.content.length;
  }
  return {
    prompt: {
      round: feedback.round ?? 1,
      summary: feedback.summary ?? '',
      diagnostics: diagnostics.slice(0, MAX_ITEMS).map((d) => ({
        file: d.file,
        line: d.line,
        column: d.column ?? 0,
        severity: d.severity,
        message: d.message,
      })),
      missing: missing.slice(0, MAX_ITEMS),
      misnamed: misnamed.slice(0, MAX_ITEMS),
      wrong_value: wrong.slice(0, MAX_ITEMS),
      invented: invented.slice(0, MAX_ITEMS),
      unmarked_deprecated: unmarked.slice(0, MAX_ITEMS),
      falsely_deprecated: falsely.slice(0, MAX_ITEMS),
      failing_tests: tests.slice(0, MAX_ITEMS),
      files,
    },
  };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The registry keys a chunk covers: its attributes', metrics' and events' names. */
function itemKeys(chunk: RegistryChunk): string[] {
  const r = chunk.registry;
  return [...r.attributes.map((a) => a.key), ...r.metrics.map((m) => m.name), ...r.events.map((e) => e.name)];
}

/** Does an issue name this key as a whole (`shop.order` is not named by `shop.order.id`)? */
const mentionsKey = (issue: string, key: string) =>
  new RegExp(`(^|[^A-Za-z0-9_.])${escapeRegExp(key)}(?![A-Za-z0-9_]|\\.[A-Za-z0-9_])`).test(issue);

/** Does an issue text name something of namespace `ns`: its keys (`http.`) or its generated names? */
export function mentions(issue: string, ns: string): boolean {
  if (new RegExp(`(^|[^A-Za-z0-9_.])${escapeRegExp(ns)}\\.`).test(issue)) return true;
  const upper = screamingSnakeCase(ns);
  if (new RegExp(`(^|[^A-Za-z0-9])(?:ATTR_|METRIC_|EVENT_)?${escapeRegExp(upper)}_`).test(issue)) return true;
  for (const name of new Set([pascalCase(ns), goName(ns)]))
    if (name && new RegExp(`(^|[^A-Za-z0-9_])${escapeRegExp(name)}[A-Z]`).test(issue)) return true;
  return false;
}
