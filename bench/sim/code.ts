import type { Item, ItemKind, SimLanguage } from './prompt.js';

/** A slip that breaks compilation: a wrong type annotation, a missing closing quote, a doubled `=`. */
export type Slip = 'type' | 'quote' | 'equals';

/**
 * One constant as the simulated model writes it: for a registry item (`item`) or invented (no
 * `item`). Every field is what the file says, so a slot can differ from its item (the defects).
 */
export interface Slot {
  item?: Item;
  kind: ItemKind;
  name: string;
  /** Python enum members: their class */
  container: string;
  literal: string;
  brief: string;
  deprecated: boolean;
  note: string;
  experimental: boolean;
  slip?: Slip;
  file: string;
  /** lines of the slot in the file it was read from (1-based, inclusive) */
  lines?: [number, number];
}

/** A slot written exactly as the prompt says. */
export function idealSlot(item: Item): Slot {
  return {
    item,
    kind: item.kind,
    name: item.name,
    container: item.container,
    literal: item.literal,
    brief: item.brief,
    deprecated: item.deprecated,
    note: item.note,
    experimental: /^(development|experimental|alpha|beta)$/.test(item.stability),
    file: item.file,
  };
}

/** The file's text and where each slot landed in it. */
export function renderFile(
  language: SimLanguage,
  slots: Slot[],
): { content: string; lines: [number, number][] } {
  return language === 'typescript' ? renderTs(slots) : renderPy(slots);
}

export function parseFile(language: SimLanguage, path: string, content: string): Slot[] {
  return language === 'typescript' ? parseTs(path, content) : parsePy(path, content);
}

// ---- TypeScript: `/** brief ... @deprecated note */ export const NAME = 'value' as const;`

const tsDoc = (s: Slot): string[] => {
  const lines = [
    ...(s.brief ? [s.brief.replace(/\*\//g, '*\\/')] : []),
    ...(s.experimental ? ['@experimental'] : []),
    ...(s.deprecated ? [`@deprecated ${s.note || 'No replacement.'}`.replace(/\*\//g, '*\\/')] : []),
  ];
  return lines.length ? ['/**', ...lines.map((l) => ` * ${l}`), ' */'] : [];
};

function tsDeclaration(s: Slot): string {
  const type =
    s.slip === 'type' ? `: ${s.kind === 'template' || /^['"]/.test(s.literal) ? 'number' : 'string'}` : '';
  if (s.kind === 'template') {
    const prefix = s.literal.slice(1, -1);
    return `export const ${s.name}${type} = (key: string): string => '${prefix}.${s.slip === 'quote' ? '' : "'"} + key;`;
  }
  const literal = s.slip === 'quote' ? s.literal.slice(0, -1) : s.literal;
  return `export const ${s.name}${type} = ${literal} as const;`;
}

function renderTs(slots: Slot[]) {
  const out: string[] = [];
  const lines: [number, number][] = [];
  for (const s of slots) {
    if (out.length) out.push('');
    const start = out.length + 1;
    out.push(...tsDoc(s), tsDeclaration(s));
    lines.push([start, out.length]);
  }
  return { content: `${out.join('\n')}\n`, lines };
}

const TS_DECL = /^export const (\w+)(?::\s*(\w+))? = (.*)$/;

function parseTs(path: string, content: string): Slot[] {
  const lines = content.split('\n');
  const out: Slot[] = [];
  let doc: string[] = [];
  let docStart = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('/**')) {
      docStart = i + 1;
      doc = [];
      let j = i;
      for (; j < lines.length; j++) {
        const text = lines[j]
          .replace(/^\/\*\*\s?/, '')
          .replace(/\s*\*\/\s*$/, '')
          .replace(/^\s*\*\s?/, '');
        if (text.trim()) doc.push(text.trim());
        if (lines[j].includes('*/')) break;
      }
      i = j;
      continue;
    }
    const d = TS_DECL.exec(l);
    if (!d) {
      if (l.trim()) doc = [];
      continue;
    }
    const [, name, type, rest] = d;
    let kind: ItemKind = 'attribute';
    let literal: string;
    let slip: Slip | undefined = type ? 'type' : undefined;
    const template = /^\(key: string\): string => '(.*?)\.(')? \+ key;$/.exec(rest);
    if (template) {
      kind = 'template';
      literal = `'${template[1]}'`;
      if (!template[2]) slip ??= 'quote';
    } else {
      const raw = rest.replace(/ as const;$/, '');
      literal = raw;
      if (/^['"]/.test(raw) && (raw.length < 2 || raw[raw.length - 1] !== raw[0])) {
        literal = `${raw}${raw[0]}`;
        slip ??= 'quote';
      }
    }
    const brief = doc.find((x) => !x.startsWith('@')) ?? '';
    const dep = doc.find((x) => x.startsWith('@deprecated'));
    out.push({
      kind,
      name,
      container: '',
      literal,
      brief: brief.replace(/\*\\\//g, '*/'),
      deprecated: !!dep,
      note: dep ? dep.replace(/^@deprecated\s*/, '').replace(/\*\\\//g, '*/') : '',
      experimental: doc.includes('@experimental'),
      ...(slip ? { slip } : {}),
      file: path,
      lines: [doc.length ? docStart : i + 1, i + 1],
    });
    doc = [];
  }
  return out;
}

// ---- Python: `NAME: Final = "value"` + docstring; enum members in `class XValues(Enum):`

const pyEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
const pyUnescape = (s: string) => s.replace(/\\"\\"\\"/g, '"""').replace(/\\\\/g, '\\');

function pyDoc(s: Slot, pad: string): string[] {
  const body = [
    ...(s.brief ? [pyEscape(s.brief)] : []),
    ...(s.deprecated
      ? [...(s.brief ? [''] : []), `Deprecated: ${pyEscape(s.note || 'no replacement.')}`]
      : []),
  ];
  return body.length ? [`${pad}"""`, ...body.map((l) => (l ? `${pad}${l}` : '')), `${pad}"""`] : [];
}

function pyAssignment(s: Slot, pad: string): string {
  const literal = s.slip === 'quote' && /^["']/.test(s.literal) ? s.literal.slice(0, -1) : s.literal;
  const eq = s.slip === 'equals' || (s.slip === 'quote' && !/^["']/.test(s.literal)) ? '= =' : '=';
  return pad ? `${pad}${s.name} ${eq} ${literal}` : `${s.name}: Final ${eq} ${literal}`;
}

function renderPy(slots: Slot[]) {
  const out: string[] = [];
  const lines: [number, number][] = slots.map(() => [0, 0]);
  const members = slots.some((s) => s.container);
  const top = slots.some((s) => !s.container);
  if (members) out.push('from enum import Enum');
  if (top) out.push('from typing import Final');
  const emitted = new Set<string>();
  slots.forEach((s, i) => {
    if (!s.container) {
      out.push('');
      const start = out.length + 1;
      out.push(pyAssignment(s, ''), ...pyDoc(s, ''));
      lines[i] = [start, out.length];
      return;
    }
    if (emitted.has(s.container)) return;
    emitted.add(s.container);
    out.push('', '');
    out.push(`class ${s.container}(Enum):`);
    slots.forEach((m, j) => {
      if (m.container !== s.container) return;
      const start = out.length + 1;
      out.push(pyAssignment(m, '    '), ...pyDoc(m, '    '));
      lines[j] = [start, out.length];
    });
    out.push('');
  });
  return { content: `${out.join('\n').replace(/\n+$/, '')}\n`, lines };
}

const PY_TOP = /^(\w+): Final (= )?= (.*)$/;
const PY_MEMBER = /^ {4}(\w+) (= )?= (.*)$/;
const PY_CLASS = /^class (\w+)\(Enum\):\s*$/;

function parsePy(path: string, content: string): Slot[] {
  const lines = content.split('\n');
  const out: Slot[] = [];
  let container = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const cls = PY_CLASS.exec(l);
    if (cls) {
      container = cls[1];
      continue;
    }
    if (l && !l.startsWith(' ')) container = '';
    const m = container ? PY_MEMBER.exec(l) : PY_TOP.exec(l);
    if (!m) continue;
    const [, name, doubled, raw] = m;
    let literal = raw.trim();
    let slip: Slip | undefined = doubled ? 'equals' : undefined;
    if (/^["']/.test(literal) && (literal.length < 2 || literal[literal.length - 1] !== literal[0])) {
      literal = `${literal}${literal[0]}`;
      slip ??= 'quote';
    }
    // the docstring below it
    const doc: string[] = [];
    let end = i;
    const open = lines[i + 1]?.trim() ?? '';
    if (open.startsWith('"""')) {
      const one = /^"""(.*)"""$/.exec(open);
      if (one && open.length >= 6) {
        doc.push(one[1]);
        end = i + 1;
      } else {
        if (open.length > 3) doc.push(open.slice(3));
        let j = i + 2;
        for (; j < lines.length && lines[j].trim() !== '"""'; j++) doc.push(lines[j].trim());
        end = j;
      }
    }
    const text = doc.filter((x) => x !== '');
    const dep = text.find((x) => x.startsWith('Deprecated:'));
    const brief = text.find((x) => !x.startsWith('Deprecated:')) ?? '';
    const kind: ItemKind = container ? 'member' : name.endsWith('_TEMPLATE') ? 'template' : 'attribute';
    out.push({
      kind,
      name,
      container,
      literal,
      brief: pyUnescape(brief),
      deprecated: !!dep,
      note: dep ? pyUnescape(dep.replace(/^Deprecated:\s*/, '')) : '',
      experimental: false,
      ...(slip ? { slip } : {}),
      file: path,
      lines: [i + 1, end + 1],
    });
    i = end;
  }
  return out;
}
