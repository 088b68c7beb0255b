import type { ExtractedSymbol, SymbolExtractor } from './types.js';

/**
 * Reads Go without compiling it, line by line with a string-aware scanner:
 * - top-level `const`/`var` declarations, single or in `( ... )` groups, whose value is a literal
 *   (string, raw string, concatenation of strings, number, bool), possibly wrapped in a conversion
 *   such as `AttributeKey("http.request.method")` or `attribute.Key("...")`;
 * - template attributes: top-level functions (no receiver) returning `"prefix." + key` (or
 *   `fmt.Sprintf("prefix.%s", key)`), value = the prefix without the trailing dot;
 * - the doc is the `//` comment block right above (a group's doc when the spec has none, or a trailing
 *   line comment); deprecated when a paragraph of the doc starts with `Deprecated:` (Go's convention:
 *   the doc's first line or a line after a blank one; a wrapped sentence is not a marker).
 * Go has no enum classes: a symbol of the root package has the container ''. A symbol of a package
 * in a sub-folder is qualified by it, as Go code outside names it; a per-namespace package of the Go
 * semconv layout, `<namespace>conv` (httpconv, k8sconv, genaiconv), by the namespace it holds:
 * httpconv/metric.go's ServerRequestDurationName is `http.ServerRequestDurationName`, whose name
 * carries the metric `http.server.request.duration` it stands for.
 */
export const goSymbols: SymbolExtractor = {
  extract(files) {
    const out: ExtractedSymbol[] = [];
    for (const f of files) {
      if (!f.path.endsWith('.go')) continue;
      const container = f.path.includes('/') ? packageQualifier(f.content) : '';
      for (const s of extractFile(f.path, f.content)) out.push({ ...s, container });
    }
    return out;
  },
};

/** The qualifier of a sub-folder package's symbols: its package name, less a `conv` suffix (see above). */
export function packageQualifier(content: string): string {
  const pkg = /^package\s+([A-Za-z_]\w*)/m.exec(content)?.[1] ?? '';
  return pkg.length > 4 && pkg.endsWith('conv') ? pkg.slice(0, -4) : pkg;
}

const DEPRECATED = /(?:^|\n[ \t]*\n)[ \t]*Deprecated:/;

function extractFile(file: string, content: string): ExtractedSymbol[] {
  const lines = content.replace(/\r\n?/g, '\n').split('\n');
  const out: ExtractedSymbol[] = [];
  let comment: string[] = [];
  let i = 0;
  const push = (
    name: string,
    value: string | number | boolean,
    kind: 'constant' | 'template',
    line: number,
    doc: string,
    extraDeprecated = false,
  ) => {
    out.push({
      name,
      value,
      kind,
      file,
      line,
      doc,
      deprecated: extraDeprecated || DEPRECATED.test(doc),
      container: '',
    });
  };
  while (i < lines.length) {
    const raw = lines[i];
    const line = raw.trim();
    if (line.startsWith('//')) {
      comment.push(stripSlashes(line));
      i++;
      continue;
    }
    if (line.startsWith('/*')) {
      const body: string[] = [];
      let text = line.slice(2);
      while (!text.includes('*/') && i + 1 < lines.length) {
        body.push(text);
        i++;
        text = lines[i].trim();
      }
      body.push(text.slice(0, text.indexOf('*/')));
      i++;
      comment = body.map((l) => l.replace(/^\s*\*?\s?/, ''));
      continue;
    }
    if (!line) {
      comment = [];
      i++;
      continue;
    }
    const indented = /^\s/.test(raw);
    const doc = comment.join('\n').trim();
    comment = [];
    if (indented) {
      i++;
      continue;
    }
    const group = /^(const|var)\s*\(\s*(\/\/.*)?$/.exec(line);
    if (group) {
      const groupDoc = doc;
      i++;
      let specComment: string[] = [];
      while (i < lines.length && lines[i].trim() !== ')') {
        const l = lines[i].trim();
        if (l.startsWith('//')) {
          specComment.push(stripSlashes(l));
          i++;
          continue;
        }
        if (!l) {
          specComment = [];
          i++;
          continue;
        }
        const specLine = i + 1;
        const [text, next] = joinContinued(lines, i);
        i = next;
        let specDoc = specComment.join('\n').trim();
        specComment = [];
        for (const spec of parseSpec(text)) {
          if (!specDoc && spec.trailing) specDoc = spec.trailing;
          push(spec.name, spec.value, 'constant', specLine, specDoc, DEPRECATED.test(groupDoc));
        }
      }
      i++;
      continue;
    }
    const single = /^(?:const|var)\s+(.*)$/.exec(line);
    if (single) {
      const specLine = i + 1;
      const [text, next] = joinContinued(lines, i);
      i = next;
      for (const spec of parseSpec(text.replace(/^(?:const|var)\s+/, '')))
        push(spec.name, spec.value, 'constant', specLine, doc || spec.trailing);
      continue;
    }
    const fn = /^func\s+([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*\(/.exec(line);
    if (fn) {
      const specLine = i + 1;
      const [body, next] = functionText(lines, i);
      i = next;
      const prefix = templatePrefix(body);
      if (prefix !== undefined) push(fn[1], prefix, 'template', specLine, doc);
      continue;
    }
    i++;
  }
  return out;
}

function stripSlashes(line: string): string {
  return line.replace(/^\/\/ ?/, '');
}

/** A spec may continue on following lines after a trailing `+` or an open parenthesis. */
function joinContinued(lines: string[], i: number): [string, number] {
  let text = lines[i].trim();
  let j = i + 1;
  for (;;) {
    const code = stripLineComment(text).trim();
    const open = (code.match(/\(/g)?.length ?? 0) - (code.match(/\)/g)?.length ?? 0);
    if (j < lines.length && (code.endsWith('+') || code.endsWith(',') || open > 0)) {
      text = `${code} ${lines[j].trim()}`;
      j++;
      continue;
    }
    return [text, j];
  }
}

/** The whole text of a function declaration, from its line to the brace that closes its body. */
function functionText(lines: string[], i: number): [string, number] {
  let depth = 0;
  let seen = false;
  let text = '';
  let j = i;
  while (j < lines.length) {
    const code = stripLineComment(lines[j]);
    text += `${code}\n`;
    for (const c of withoutStrings(code)) {
      if (c === '{') {
        depth++;
        seen = true;
      } else if (c === '}') depth--;
    }
    j++;
    if (seen && depth <= 0) break;
  }
  return [text, j];
}

/** `return "prefix." + key` (any wrapping call), or `fmt.Sprintf("prefix.%s", key)`. */
function templatePrefix(body: string): string | undefined {
  const ret = /\breturn\b([\s\S]*)/.exec(body)?.[1];
  if (!ret) return undefined;
  for (let k = 0; k < ret.length; k++) {
    if (ret[k] !== '"' && ret[k] !== '`') continue;
    const lit = parseGoString(ret, k);
    if (!lit) return undefined;
    const rest = ret.slice(lit.end).trimStart();
    if (rest.startsWith('+') && lit.value.endsWith('.')) return lit.value.slice(0, -1);
    if (/^,/.test(rest) && /%[sv]/.test(lit.value) && /Sprintf\s*\(\s*$/.test(ret.slice(0, k))) {
      return lit.value.slice(0, lit.value.search(/%[sv]/)).replace(/\.$/, '');
    }
    k = lit.end - 1;
  }
  return undefined;
}

interface Spec {
  name: string;
  value: string | number | boolean;
  trailing: string;
}

/** `Name [Type] = value [// comment]`, also `A, B = "a", "b"`. Specs without a literal value are skipped. */
function parseSpec(text: string): Spec[] {
  const eq = indexOutsideStrings(text, '=');
  if (eq < 0) return [];
  const lhs = text.slice(0, eq).trim();
  const rhsWithComment = text.slice(eq + 1);
  const code = stripLineComment(rhsWithComment);
  const trailing = rhsWithComment
    .slice(code.length)
    .replace(/^\s*\/\/ ?/, '')
    .trim();
  const names = lhs
    .split(',')
    .map((n) => n.trim().split(/\s+/)[0])
    .filter((n) => /^[A-Za-z_]\w*$/.test(n));
  const values = splitTopLevel(code);
  if (names.length === 0 || names.length !== values.length) return [];
  const out: Spec[] = [];
  names.forEach((name, k) => {
    if (name === '_') return;
    const v = parseGoValue(values[k]);
    if (v !== undefined) out.push({ name, value: v, trailing });
  });
  return out;
}

const BUILTIN_TYPES = new Set(
  'string bool byte rune int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 uintptr float32 float64'.split(
    ' ',
  ),
);

/**
 * A literal value, maybe inside parentheses or a conversion: `AttributeKey("k")`, `attribute.Key("k")`,
 * `int64(5)`, or the official enum form `HTTPRequestMethodKey.String("GET")`. A lower-case identifier
 * other than a builtin type is a function call, not a conversion.
 */
function parseGoValue(expr: string): string | number | boolean | undefined {
  let e = expr.trim();
  for (;;) {
    const conv = /^((?:[A-Za-z_]\w*\.)?([A-Za-z_]\w*))?\s*\(([\s\S]*)\)$/.exec(e);
    if (!conv) break;
    if (conv[1] && !conv[1].includes('.') && /^[a-z]/.test(conv[2]) && !BUILTIN_TYPES.has(conv[2]))
      return undefined;
    e = conv[3].trim();
  }
  if (e === 'true' || e === 'false') return e === 'true';
  if (e.startsWith('"') || e.startsWith('`')) {
    let value = '';
    let k = 0;
    for (;;) {
      const lit = parseGoString(e, k);
      if (!lit) return undefined;
      value += lit.value;
      const rest = e.slice(lit.end).trimStart();
      if (!rest) return value;
      if (!rest.startsWith('+')) return undefined;
      const r = rest.slice(1).trimStart();
      k = e.length - r.length;
      if (!(r.startsWith('"') || r.startsWith('`'))) return undefined;
    }
  }
  const num =
    /^([+-]?)\s*(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)$/.exec(
      e,
    );
  if (num) {
    let body = num[2].replace(/_/g, '');
    if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
    const v = Number(body.replace(/^0O/, '0o').replace(/^0B/, '0b'));
    if (Number.isNaN(v)) return undefined;
    return num[1] === '-' ? -v : v;
  }
  return undefined;
}

interface GoString {
  value: string;
  end: number;
}

/** An interpreted ("...") or raw (`...`) Go string literal at `i`, decoded (byte escapes as UTF-8). */
function parseGoString(s: string, i: number): GoString | undefined {
  const q = s[i];
  if (q === '`') {
    const end = s.indexOf('`', i + 1);
    return end < 0 ? undefined : { value: s.slice(i + 1, end).replace(/\r/g, ''), end: end + 1 };
  }
  if (q !== '"') return undefined;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  let j = i + 1;
  while (j < s.length) {
    const c = s[j];
    if (c === '"') return { value: new TextDecoder().decode(new Uint8Array(bytes)), end: j + 1 };
    if (c === '\n') return undefined;
    if (c === '\\') {
      const e = s[j + 1];
      const simple: Record<string, number> = {
        a: 7,
        b: 8,
        f: 12,
        n: 10,
        r: 13,
        t: 9,
        v: 11,
        '\\': 92,
        "'": 39,
        '"': 34,
      };
      if (e in simple) {
        bytes.push(simple[e]);
        j += 2;
        continue;
      }
      if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(j + 2, j + 4))) {
        bytes.push(Number.parseInt(s.slice(j + 2, j + 4), 16));
        j += 4;
        continue;
      }
      if (/^[0-7]{3}$/.test(s.slice(j + 1, j + 4))) {
        bytes.push(Number.parseInt(s.slice(j + 1, j + 4), 8) & 0xff);
        j += 4;
        continue;
      }
      const u = e === 'u' ? s.slice(j + 2, j + 6) : e === 'U' ? s.slice(j + 2, j + 10) : '';
      if (u && /^[0-9a-fA-F]+$/.test(u) && u.length === (e === 'u' ? 4 : 8)) {
        const cp = Number.parseInt(u, 16);
        if (cp > 0x10ffff) return undefined;
        bytes.push(...enc.encode(String.fromCodePoint(cp)));
        j += 2 + u.length;
        continue;
      }
      return undefined;
    }
    const cp = s.codePointAt(j) ?? 0;
    const ch = String.fromCodePoint(cp);
    bytes.push(...enc.encode(ch));
    j += ch.length;
  }
  return undefined;
}

/** The text with string and rune literals blanked, for counting brackets and finding operators. */
function withoutStrings(s: string): string {
  let out = '';
  let j = 0;
  while (j < s.length) {
    const c = s[j];
    if (c === '"' || c === '`' || c === "'") {
      const end = literalEnd(s, j);
      out += ' '.repeat(end - j);
      j = end;
      continue;
    }
    out += c;
    j++;
  }
  return out;
}

function literalEnd(s: string, j: number): number {
  const q = s[j];
  let k = j + 1;
  while (k < s.length && s[k] !== q) k += s[k] === '\\' && q !== '`' ? 2 : 1;
  return Math.min(k + 1, s.length);
}

function stripLineComment(s: string): string {
  const blank = withoutStrings(s);
  const at = blank.indexOf('//');
  return at < 0 ? s : s.slice(0, at);
}

function indexOutsideStrings(s: string, ch: string): number {
  const blank = withoutStrings(s);
  for (let k = 0; k < blank.length; k++) {
    if (blank[k] !== ch) continue;
    const prev = blank[k - 1];
    const next = blank[k + 1];
    if (
      ch === '=' &&
      (next === '=' || prev === '!' || prev === '<' || prev === '>' || prev === ':' || prev === '=')
    )
      continue;
    return k;
  }
  return -1;
}

/** Splits on commas outside strings and brackets. */
function splitTopLevel(s: string): string[] {
  const blank = withoutStrings(s);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k < blank.length; k++) {
    const c = blank[k];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, k));
      start = k + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}
