/**
 * What the simulated model reads of a request: only the prompt the product sent (system and user
 * text). The registry section lists every item with its official name, kind, key or value literal,
 * members, deprecation and brief (node/models/prompts/<language>/templates/registry.liquid); the
 * "Write these files" list says which file holds which items; a correction round adds feedback lines
 * and the previous files. Nothing else is read: not the registry, not the built-in pack's output.
 */

export type SimLanguage = 'typescript' | 'python';
export type ItemKind = 'attribute' | 'template' | 'member' | 'metric' | 'event';

/** One item of the registry section, as the prompt states it. */
export interface Item {
  /** `attribute:url.full`, `member:url.scheme#HTTP` */
  id: string;
  kind: ItemKind;
  ns: string;
  /** attribute key, metric or event name (for members: their attribute's key) */
  key: string;
  /** the name the prompt prescribes (for Python enum members: the member's own name) */
  name: string;
  /** Python enum members: the enum class the prompt names; else '' */
  container: string;
  /** members: the member part of the name (`PENDING`) */
  member?: string;
  /** the value as the language writes it: `'url.full'`, `"pending"`, `0` */
  literal: string;
  brief: string;
  deprecated: boolean;
  /** what the deprecation says to use instead ('' when the prompt gives nothing) */
  note: string;
  stability: string;
  file: string;
  /** members: the id of their attribute */
  parent?: string;
  order: number;
}

/** One line of a feedback section (`- ...`), with the section's label line above it. */
export interface FeedbackLine {
  section: string;
  text: string;
  /** a compiler diagnostic's place, when the line is `file:line:col: severity: message` */
  at?: { file: string; line: number };
}

export interface PreviousFile {
  path: string;
  content: string;
  truncated: boolean;
}

export interface SimRequest {
  language: SimLanguage;
  /** the prompt's first line: `Registry "<name>" <version>[, part i of n].` */
  header: string;
  /** the files to write, in the prompt's order */
  files: string[];
  items: Item[];
  /** 1 for a first answer; n + 1 for `Correction round n` */
  round: number;
  feedback: FeedbackLine[];
  previous: PreviousFile[];
}

const LITERAL = String.raw`('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|True|False)`;
const ITEM_LINE =
  /^- (\S+): (template attribute|enum attribute|attribute|metric|event) `([^`]+)` \((.*?)\)\. Brief: ?(.*)$/;
const MEMBER_LINE = new RegExp(`^ {2}- (\\S+) = ${LITERAL} \\(([^)]*)\\)(?:\\. Brief: ?(.*))?$`);
const ENUM_CLASS = /^ {2}enum class (\w+):\s*$/;
const FILE_LINE = /^- `([^`]+)` with (.*?)namespace `([^`]+)`/;
const DIAGNOSTIC = /^(?:(\S+?):(\d+):(\d+): )?(error|warning): /;

/** Parses a request's prompt. Throws when it is not a prompt of a language the simulation writes. */
export function parseRequest(system: string, user: string): SimRequest {
  const lines = user.split('\n');
  const correction = lines.findIndex((l) => /^Correction round \d+/.test(l));
  const body = correction >= 0 ? lines.slice(0, correction) : lines;
  const files: { path: string; ns: string; what: string }[] = [];
  for (const l of body) {
    const m = FILE_LINE.exec(l);
    if (m) files.push({ path: m[1], ns: m[3], what: m[2] });
  }
  if (files.length === 0) throw new Error('the prompt names no file to write');
  const language: SimLanguage | undefined = files.every((f) => f.path.endsWith('.ts'))
    ? 'typescript'
    : files.every((f) => f.path.endsWith('.py'))
      ? 'python'
      : undefined;
  if (!language) throw new Error(`the simulated model writes TypeScript or Python, not ${files[0].path}`);
  if (!new RegExp(`\\b${language === 'typescript' ? 'TypeScript' : 'Python'}\\b`).test(system))
    throw new Error('the system prompt and the file names disagree on the language');
  const fileFor = (ns: string, kind: ItemKind) => {
    const category = kind === 'metric' ? 'metrics' : kind === 'event' ? 'events' : 'attributes';
    const f =
      files.find((x) => x.ns === ns && new RegExp(`\\b${category}\\b`).test(x.what)) ??
      files.find((x) => x.ns === ns && /every item/.test(x.what)) ??
      files.find((x) => x.ns === ns);
    return f?.path ?? files[0].path;
  };

  const items: Item[] = [];
  let ns = '';
  let container = '';
  let attribute: Item | undefined;
  for (const l of body) {
    const nsLine = /^Namespace `([^`]+)`:/.exec(l);
    if (nsLine) {
      ns = nsLine[1];
      attribute = undefined;
      continue;
    }
    const item = ITEM_LINE.exec(l);
    if (item) {
      const [, name, label, key, meta, rest] = item;
      const kind: ItemKind =
        label === 'template attribute'
          ? 'template'
          : label.endsWith('attribute')
            ? 'attribute'
            : (label as ItemKind);
      const { stability, deprecated, note } = metaOf(meta);
      const it: Item = {
        id: `${kind === 'template' ? 'attribute' : kind}:${key}`,
        kind,
        ns,
        key,
        name,
        container: '',
        literal: language === 'typescript' ? `'${key}'` : `"${key}"`,
        brief: briefOf(rest),
        deprecated,
        note,
        stability,
        file: fileFor(ns, kind),
        order: items.length,
      };
      items.push(it);
      attribute = kind === 'attribute' || kind === 'template' ? it : undefined;
      container = '';
      continue;
    }
    const cls = ENUM_CLASS.exec(l);
    if (cls) {
      container = cls[1];
      continue;
    }
    const member = MEMBER_LINE.exec(l);
    if (member && attribute) {
      const [, name, literal, meta, brief] = member;
      const prefix = `${attribute.name.replace(/^ATTR_/, '')}_VALUE_`;
      const token = language === 'typescript' && name.startsWith(prefix) ? name.slice(prefix.length) : name;
      const parts = meta.split(',').map((s) => s.trim());
      items.push({
        id: `member:${attribute.key}#${token}`,
        kind: 'member',
        ns,
        key: attribute.key,
        name,
        container: language === 'python' ? container : '',
        member: token,
        literal,
        brief: (brief ?? '').trim(),
        deprecated: parts.includes('deprecated'),
        note: '',
        stability: parts[0] ?? '',
        file: attribute.file,
        parent: attribute.id,
        order: items.length,
      });
    }
  }

  const { feedback, previous } = correction >= 0 ? parseFeedback(lines.slice(correction + 1)) : empty();
  const round = correction >= 0 ? Number(/^Correction round (\d+)/.exec(lines[correction])![1]) + 1 : 1;
  return {
    language,
    header: lines[0].trim(),
    files: files.map((f) => f.path),
    items,
    round,
    feedback,
    previous,
  };
}

const empty = () => ({ feedback: [] as FeedbackLine[], previous: [] as PreviousFile[] });

/** `string, stable, deprecated: Replaced by x.` -> stability, deprecation and its note */
function metaOf(meta: string): { stability: string; deprecated: boolean; note: string } {
  const at = meta.indexOf(', deprecated');
  const head = at >= 0 ? meta.slice(0, at) : meta;
  const note = at >= 0 ? meta.slice(at + ', deprecated'.length).replace(/^:\s*/, '') : '';
  const parts = head.split(',').map((s) => s.trim());
  return { stability: parts[parts.length - 1] ?? '', deprecated: at >= 0, note: note.trim() };
}

/** The brief is what comes before the detail the full prompt appends (` Note: `, ` Examples: `). */
function briefOf(rest: string): string {
  const cut = [' Note: ', ' Examples: ']
    .map((s) => rest.indexOf(s))
    .filter((i) => i >= 0)
    .sort((a, b) => a - b)[0];
  return (cut === undefined ? rest : rest.slice(0, cut)).trim();
}

/**
 * The feedback part of a correction prompt: every `- ` line outside code blocks, under the last label
 * line above it (labels are not relied on: lines are read for symbol names and file:line places), and
 * the fenced code blocks, which are the previous files (`// file: x` or `# file: x` on their first line).
 */
function parseFeedback(lines: string[]): { feedback: FeedbackLine[]; previous: PreviousFile[] } {
  const out = empty();
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const fence = /^(`{3,})/.exec(l);
    if (fence) {
      let end = i + 1;
      while (end < lines.length && lines[end] !== fence[1]) end++;
      const block = lines.slice(i + 1, end);
      const path = /^\s*(?:\/\/|#)\s*file:\s*(\S+)/.exec(block[0] ?? '')?.[1];
      if (path) {
        const truncated = /shortened|truncated/i.test(lines[end + 1] ?? '');
        out.previous.push({ path, content: `${block.slice(1).join('\n')}\n`, truncated });
      }
      i = end;
      continue;
    }
    if (l.startsWith('- ')) {
      const text = l.slice(2);
      const d = DIAGNOSTIC.exec(text);
      out.feedback.push({
        section,
        text,
        ...(d?.[1] ? { at: { file: d[1], line: Number(d[2]) } } : {}),
      });
    } else if (l.trim()) section = l.trim();
  }
  return out;
}
