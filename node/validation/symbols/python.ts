import type { ExtractedSymbol, SymbolExtractor } from './types.js';

/**
 * Reads Python without running it. A small scanner splits each module into logical statements
 * (strings, brackets, comments and backslash continuations handled), then recognises:
 * - top-level constants `NAME = <literal>` / `NAME: Final = <literal>` (string, number, bool),
 *   with the docstring that follows them (Sphinx's attribute-docstring convention);
 * - members of top-level classes (`class HttpRequestMethodValues(Enum)`), container = the class;
 * - template attributes: constants named `*_TEMPLATE`, or functions returning `"prefix." + key`
 *   (or `f"prefix.{key}"`), whose value is the prefix without the trailing dot;
 * - deprecation: a docstring paragraph that starts with `Deprecated:` (the official package's way)
 *   or a `.. deprecated::` directive, or a `@deprecated(...)` decorator (on a class it marks every
 *   member). The word inside a sentence (a brief saying "Deprecated, use ...") is not a marker.
 *   Neither is the official package's relocation note on the `_incubating` copy of a stable item,
 *   `Deprecated in favor of stable :py:const:...` (as a docstring or as the decorator of an enum
 *   class): the item is not deprecated, its copy points to the stable module, and members that exist
 *   only in the incubating class are not deprecated either.
 */
export const pythonSymbols: SymbolExtractor = {
  extract(files) {
    const out: ExtractedSymbol[] = [];
    for (const f of files) if (/\.pyi?$/.test(f.path)) out.push(...extractModule(f.path, f.content));
    return out;
  },
};

interface Statement {
  text: string;
  indent: number;
  line: number;
}

interface Block {
  kind: 'class' | 'def';
  indent: number;
  name: string;
  deprecated: boolean;
  /** for top-level functions: index in `out` of their (candidate template) symbol, else -1 */
  firstMember: number;
  docSeen: boolean;
  topLevel: boolean;
}

/** at the start of the docstring or of a paragraph (after a blank line); or a Sphinx directive line */
const DEPRECATED_DOC = /(?:^|\n[ \t]*\n)[ \t]*Deprecated:|(?:^|\n)[ \t]*\.\. deprecated::/;
const DEPRECATED_DECORATOR = /^@\s*(?:[A-Za-z_][\w.]*\.)?deprecated\b/;
/** `@deprecated("Deprecated in favor of stable :py:const:...")`: a relocation, not a deprecation */
const RELOCATED_DECORATOR = /^@[^(]*\(\s*[rRuU]?(['"]{1,3})\s*Deprecated in favor of stable\b/;

function extractModule(file: string, content: string): ExtractedSymbol[] {
  const out: ExtractedSymbol[] = [];
  const stmts = statements(content.replace(/\r\n?/g, '\n'));
  const stack: Block[] = [];
  let decorators: string[] = [];
  /** the symbol a following docstring belongs to (reset by any other statement) */
  let pending: ExtractedSymbol | undefined;
  for (const st of stmts) {
    while (stack.length && st.indent <= stack[stack.length - 1].indent) stack.pop();
    const parent = stack[stack.length - 1];
    const text = st.text;

    // docstrings
    const str = parseLiteralExpression(text);
    if (str !== undefined && typeof str.value === 'string' && str.rest === '') {
      const doc = cleandoc(str.value);
      if (pending) {
        pending.doc = doc;
        pending.deprecated ||= DEPRECATED_DOC.test(doc);
        pending = undefined;
      } else if (parent?.kind === 'class' && !parent.docSeen && parent.topLevel) {
        parent.docSeen = true;
        if (DEPRECATED_DOC.test(doc)) parent.deprecated = true;
      } else if (parent?.kind === 'def' && !parent.docSeen) {
        parent.docSeen = true;
        const fn = out[parent.firstMember];
        if (fn && parent.firstMember >= 0) {
          fn.doc = doc;
          fn.deprecated ||= DEPRECATED_DOC.test(doc);
        }
      }
      continue;
    }
    pending = undefined;
    if (parent) parent.docSeen = true;

    if (text.startsWith('@')) {
      decorators.push(text);
      continue;
    }
    const decorated = decorators.some((d) => DEPRECATED_DECORATOR.test(d) && !RELOCATED_DECORATOR.test(d));
    const hadDecorators = decorators.length > 0;
    decorators = [];

    const topLevel = stack.length === 0;
    const inTopClass = stack.length === 1 && parent?.kind === 'class' && parent.topLevel;

    const cls = /^class\s+([A-Za-z_]\w*)\s*(?:\(([\s\S]*?)\))?\s*:/.exec(text);
    if (cls) {
      stack.push({
        kind: 'class',
        indent: st.indent,
        name: cls[1],
        deprecated: decorated,
        firstMember: -1,
        docSeen: false,
        topLevel,
      });
      continue;
    }
    const def =
      /^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(([\s\S]*?)\)\s*(?:->\s*[^:]+?)?\s*:\s*([\s\S]*)$/.exec(text);
    if (def) {
      const block: Block = {
        kind: 'def',
        indent: st.indent,
        name: def[1],
        deprecated: decorated,
        firstMember: -1,
        docSeen: false,
        topLevel,
      };
      stack.push(block);
      if (topLevel || inTopClass) {
        // a one-line body (`def f(key): return "a." + key`) is handled here; otherwise by the return below
        const sym: ExtractedSymbol = {
          name: def[1],
          value: '',
          kind: 'template',
          file,
          line: st.line,
          doc: '',
          deprecated: decorated,
          container: inTopClass ? parent.name : '',
        };
        block.firstMember = out.length;
        out.push(sym);
        const prefix = def[3] ? templatePrefix(def[3].replace(/^return\s+/, '')) : undefined;
        if (prefix !== undefined) sym.value = prefix;
      }
      continue;
    }
    if (parent?.kind === 'def' && stack.length <= 2 && /^return\b/.test(text)) {
      const fn = out[parent.firstMember];
      const prefix = templatePrefix(text.replace(/^return\s*/, ''));
      if (fn && parent.firstMember >= 0 && fn.value === '' && prefix !== undefined) fn.value = prefix;
      continue;
    }
    if (hadDecorators || !(topLevel || inTopClass)) continue;

    const asg = /^([A-Za-z_]\w*)\s*(?::\s*([^=]+?))?\s*=(?!=)\s*([\s\S]+)$/.exec(text);
    if (!asg) continue;
    const lit = parseLiteralExpression(asg[3]);
    if (lit?.rest !== '') continue;
    const container = inTopClass ? parent.name : '';
    const isTemplate = typeof lit.value === 'string' && /_TEMPLATE$/.test(asg[1]) && !inTopClass;
    const sym: ExtractedSymbol = {
      name: asg[1],
      value: lit.value,
      kind: isTemplate ? 'template' : 'constant',
      file,
      line: st.line,
      doc: '',
      deprecated: inTopClass ? parent.deprecated : false,
      container,
    };
    out.push(sym);
    pending = sym;
  }
  // functions that do not build a key from a prefix are not symbols
  return out.filter((s) => !(s.kind === 'template' && s.value === ''));
}

/** `"prefix." + key`, `f"prefix.{key}"`, `"prefix.{}".format(key)` -> `prefix` */
function templatePrefix(expr: string): string | undefined {
  const e = expr
    .trim()
    .replace(/^\(([\s\S]*)\)$/, '$1')
    .trim();
  const lit = parseStringLiteral(e, 0);
  if (!lit) return undefined;
  const rest = e.slice(lit.end).trim();
  if (lit.formatted) {
    const at = lit.value.indexOf('{');
    if (at <= 0 || rest !== '') return undefined;
    return lit.value.slice(0, at).replace(/\.$/, '');
  }
  if (/^\+/.test(rest) && lit.value.endsWith('.')) return lit.value.slice(0, -1);
  if (/^\.format\(/.test(rest) && lit.value.includes('{'))
    return lit.value.slice(0, lit.value.indexOf('{')).replace(/\.$/, '');
  return undefined;
}

/** Splits source into logical statements: first physical line's indent, text with comments removed. */
function statements(src: string): Statement[] {
  const out: Statement[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  while (i < n) {
    // indentation of this physical line
    let indent = 0;
    while (i < n && (src[i] === ' ' || src[i] === '\t' || src[i] === '\f')) {
      indent += src[i] === '\t' ? 8 - (indent % 8) : 1;
      i++;
    }
    if (i >= n) break;
    if (src[i] === '\n') {
      i++;
      line++;
      continue;
    }
    if (src[i] === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    const startLine = line;
    let text = '';
    let depth = 0;
    while (i < n) {
      const c = src[i];
      if (c === '#') {
        while (i < n && src[i] !== '\n') i++;
        continue;
      }
      if (c === '\\' && src[i + 1] === '\n') {
        text += ' ';
        i += 2;
        line++;
        continue;
      }
      if (c === '\n') {
        if (depth > 0) {
          text += ' ';
          i++;
          line++;
          continue;
        }
        break;
      }
      if (c === '"' || c === "'") {
        // copy the literal verbatim (a backslash escapes the next character, raw strings included)
        const start = i;
        const triple = src.startsWith(c.repeat(3), i);
        const q = triple ? c.repeat(3) : c;
        i += q.length;
        while (i < n) {
          if (src[i] === '\\' && i + 1 < n) {
            if (src[i + 1] === '\n') line++;
            i += 2;
            continue;
          }
          if (src.startsWith(q, i)) {
            i += q.length;
            break;
          }
          if (src[i] === '\n') {
            if (!triple) break; // unterminated single-quoted string: stop at the line end
            line++;
          }
          i++;
        }
        text += src.slice(start, i);
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
      text += c;
      i++;
    }
    const t = text.trim();
    if (t) out.push({ text: t, indent, line: startLine });
  }
  return out;
}

interface Literal {
  value: string | number | boolean;
  /** what follows the literal, trimmed */
  rest: string;
}

/** A literal expression: adjacent string literals, a number (optionally signed), True/False; maybe parenthesised. */
function parseLiteralExpression(expr: string): Literal | undefined {
  let e = expr.trim();
  let parens = 0;
  while (e.startsWith('(')) {
    e = e.slice(1).trimStart();
    parens++;
  }
  let value: string | number | boolean | undefined;
  let pos = 0;
  const str = parseStringLiteral(e, 0);
  if (str) {
    if (str.formatted || str.bytes) return undefined;
    let s = str.value;
    pos = str.end;
    for (;;) {
      const ws = /^\s*/.exec(e.slice(pos))?.[0].length ?? 0;
      const next = parseStringLiteral(e, pos + ws);
      if (!next || next.formatted || next.bytes) break;
      s += next.value;
      pos = next.end;
    }
    value = s;
  } else {
    const num =
      /^[+-]?\s*(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)(?![\w.])/.exec(
        e,
      );
    const bool = /^(True|False)\b/.exec(e);
    if (num) {
      const t = num[0].replace(/[\s_]/g, '');
      const neg = t.startsWith('-');
      const body = t.replace(/^[+-]/, '');
      const v = /^0[oObB]/.test(body) ? Number(body.toLowerCase()) : Number(body);
      if (Number.isNaN(v)) return undefined;
      value = neg ? -v : v;
      pos = num[0].length;
    } else if (bool) {
      value = bool[1] === 'True';
      pos = bool[0].length;
    } else return undefined;
  }
  let rest = e.slice(pos).trim();
  while (parens > 0 && rest.startsWith(')')) {
    rest = rest.slice(1).trim();
    parens--;
  }
  if (parens > 0) return undefined;
  return { value, rest };
}

interface StringLit {
  value: string;
  end: number;
  formatted: boolean;
  bytes: boolean;
}

/** Parses a Python string literal at `i` (prefixes r, u, b, f and combinations; single or triple quotes). */
function parseStringLiteral(s: string, i: number): StringLit | undefined {
  const m = /^([rRuUbBfF]{0,2})(['"])/.exec(s.slice(i, i + 3));
  if (!m) return undefined;
  const prefix = m[1].toLowerCase();
  if (prefix && !/^(r|u|b|f|br|rb|fr|rf)$/.test(prefix)) return undefined;
  const raw = prefix.includes('r');
  const q = m[2];
  let j = i + m[1].length;
  const triple = s.startsWith(q.repeat(3), j);
  const close = triple ? q.repeat(3) : q;
  j += close.length;
  let value = '';
  while (j < s.length) {
    if (s.startsWith(close, j))
      return { value, end: j + close.length, formatted: prefix.includes('f'), bytes: prefix.includes('b') };
    const c = s[j];
    if (c === '\\' && j + 1 < s.length) {
      if (raw) {
        value += c + s[j + 1];
        j += 2;
        continue;
      }
      const [text, len] = decodeEscape(s, j);
      value += text;
      j += len;
      continue;
    }
    if (c === '\n' && !triple) return undefined;
    value += c;
    j++;
  }
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** One escape sequence at `s[j] === '\\'`: its text and length. Unknown escapes keep the backslash (as Python does). */
function decodeEscape(s: string, j: number): [string, number] {
  const c = s[j + 1];
  if (c in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[c], 2];
  const oct = /^[0-7]{1,3}/.exec(s.slice(j + 1, j + 4));
  if (oct) return [String.fromCodePoint(Number.parseInt(oct[0], 8)), 1 + oct[0].length];
  const hex =
    c === 'x'
      ? /^[0-9a-fA-F]{2}/.exec(s.slice(j + 2, j + 4))
      : c === 'u'
        ? /^[0-9a-fA-F]{4}/.exec(s.slice(j + 2, j + 6))
        : c === 'U'
          ? /^[0-9a-fA-F]{8}/.exec(s.slice(j + 2, j + 10))
          : null;
  if (hex) {
    const cp = Number.parseInt(hex[0], 16);
    if (cp <= 0x10ffff) return [String.fromCodePoint(cp), 2 + hex[0].length];
  }
  return [`\\${c}`, 2];
}

/** inspect.cleandoc: strip the first line, dedent the rest by their common indent, drop blank edges. */
function cleandoc(doc: string): string {
  const lines = doc.replace(/\t/g, '        ').split('\n');
  const indents = lines
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => l.length - l.trimStart().length);
  const margin = indents.length ? Math.min(...indents) : 0;
  const out = [lines[0].trim(), ...lines.slice(1).map((l) => l.slice(margin).trimEnd())];
  while (out.length && !out[0]) out.shift();
  while (out.length && !out[out.length - 1]) out.pop();
  return out.join('\n');
}
