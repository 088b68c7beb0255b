import type { ExtractedSymbol, SymbolExtractor } from './types.js';

/**
 * Reads Java constants through a small lexer (unicode escapes, comments, text blocks and char
 * literals handled) and a brace-aware walk over type bodies. It finds:
 * - `static final` fields (any field of an interface) with a literal value (string, concatenated
 *   strings, number, char, boolean) or a one-string-argument factory call
 *   (`stringKey("a.b")`, `AttributeKey.stringKey("a.b")`); a factory whose name mentions `Template`
 *   (`stringKeyTemplate("a.b")`) gives a template attribute;
 * - template methods: a static method returning `"a.b." + key` (or `String.format("a.b.%s", key)`);
 * - constants of a Java `enum` with a literal first argument: `GET("GET")`.
 * Docs come from the Javadoc block above (tags kept, HTML entities decoded), deprecation from
 * `@Deprecated` or an `@deprecated` block tag (at the start of a Javadoc line; inside a sentence it
 * is text), except on a copy deprecated only "in favor of stable" (MOVED_TO_STABLE). Members of a
 * top-level class have container ''; members of a nested class or enum have that type's simple name
 * (e.g. `HttpRequestMethodValues`).
 */
export const javaSymbols: SymbolExtractor = {
  extract(files) {
    const out: ExtractedSymbol[] = [];
    for (const f of files) {
      if (!f.path.endsWith('.java')) continue;
      out.push(...extractFile(f.path, f.content));
    }
    return out;
  },
};

type TokKind = 'ident' | 'str' | 'num' | 'char' | 'punct' | 'javadoc';
interface Tok {
  kind: TokKind;
  text: string;
  value: string;
  line: number;
}

/** Java translates `\uXXXX` before lexing, when the backslash is not itself escaped. */
function translateUnicodeEscapes(src: string): string {
  if (!src.includes('\\u')) return src;
  return src.replace(/(\\+)(u+)([0-9A-Fa-f]{4})/g, (m, bs: string, _u: string, hex: string) => {
    if (bs.length % 2 === 0) return m;
    return bs.slice(1) + String.fromCharCode(Number.parseInt(hex, 16));
  });
}

export function lexJava(source: string): Tok[] {
  const src = translateUnicodeEscapes(source);
  const toks: Tok[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;
  const advanceTo = (j: number) => {
    for (let k = i; k < j; k++) if (src.charCodeAt(k) === 10) line++;
    i = j;
  };
  const push = (kind: TokKind, end: number, value: string, startLine: number) =>
    toks.push({ kind, text: src.slice(i, end), value, line: startLine });
  while (i < n) {
    const c = src[i];
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      advanceTo(i + 1);
      continue;
    }
    const startLine = line;
    if (c === '/' && src[i + 1] === '/') {
      let j = src.indexOf('\n', i);
      if (j < 0) j = n;
      advanceTo(j);
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      let j = src.indexOf('*/', i + 2);
      j = j < 0 ? n : j + 2;
      if (src[i + 2] === '*' && src[i + 3] !== '/')
        push('javadoc', j, javadocText(src.slice(i, j)), startLine);
      advanceTo(j);
      continue;
    }
    if (c === '"' && src.startsWith('"""', i)) {
      let j = i + 3;
      while (j < n && !src.startsWith('"""', j)) j += src[j] === '\\' ? 2 : 1;
      const end = Math.min(n, j + 3);
      push('str', end, textBlock(src.slice(i + 3, j)), startLine);
      advanceTo(end);
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      const end = Math.min(n, j + 1);
      push(c === '"' ? 'str' : 'char', end, unescapeJava(src.slice(i + 1, j)), startLine);
      advanceTo(end);
      continue;
    }
    const id = /^[A-Za-z_$\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(src.slice(i, i + 300));
    if (id) {
      push('ident', i + id[0].length, id[0], startLine);
      advanceTo(i + id[0].length);
      continue;
    }
    const num =
      /^(?:0[xX][0-9A-Fa-f_]+[lL]?|0[bB][01_]+[lL]?|(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]+)?[lLfFdD]?)/.exec(
        src.slice(i, i + 100),
      );
    if (num && num[0] !== '.') {
      push('num', i + num[0].length, num[0], startLine);
      advanceTo(i + num[0].length);
      continue;
    }
    push('punct', i + 1, c, startLine);
    advanceTo(i + 1);
  }
  return toks;
}

function unescapeJava(s: string): string {
  return s.replace(/\\(?:([0-3]?[0-7]{1,2})|(.))/gs, (_m, oct, ch) => {
    if (oct !== undefined) return String.fromCharCode(Number.parseInt(oct, 8));
    return (
      ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', s: ' ', '\n': '' } as Record<string, string>)[ch] ?? ch
    );
  });
}

/** Text block content: the first line break dropped, common indentation stripped, escapes applied. */
function textBlock(raw: string): string {
  const lines = raw.replace(/^[ \t]*\r?\n/, '').split('\n');
  const indent = Math.min(
    ...lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length),
    Number.MAX_SAFE_INTEGER,
  );
  const body = lines.map((l) => l.slice(Math.min(indent, l.length)).replace(/[ \t]+$/, '')).join('\n');
  return unescapeJava(body);
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Javadoc body: comment markers and leading stars removed, HTML entities decoded, tags kept. */
function javadocText(raw: string): string {
  return raw
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\*(?!\/) ?/, ''))
    .join('\n')
    .replace(/&(?:#(\d+)|#[xX]([0-9A-Fa-f]+)|([a-z]+));/g, (m, dec, hex, name) => {
      if (dec) return String.fromCodePoint(Number(dec));
      if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
      return ENTITIES[name] ?? m;
    })
    .trim();
}

function parseNumber(text: string): number | undefined {
  const t = text.replace(/_/g, '');
  let v: number;
  if (/^0[xX]/.test(t)) v = Number.parseInt(t.slice(2).replace(/[lL]$/, ''), 16);
  else if (/^0[bB]/.test(t)) v = Number.parseInt(t.slice(2).replace(/[lL]$/, ''), 2);
  else if (/^0[0-7]+[lL]?$/.test(t)) v = Number.parseInt(t.replace(/[lL]$/, ''), 8);
  else v = Number(t.replace(/[lLfFdD]$/, ''));
  return Number.isFinite(v) ? v : undefined;
}

interface Scope {
  kind: 'type' | 'enum' | 'other';
  name: string;
  /** how many type scopes enclose this one (a top-level class has depth 1) */
  typeDepth: number;
  isInterface: boolean;
  /** a @Deprecated type: its members are deprecated for their users too */
  deprecated: boolean;
  parent: Scope | undefined;
}

const TYPE_KEYWORDS = new Set(['class', 'interface', 'enum', 'record']);

/**
 * `@deprecated deprecated in favor of stable {@link ...}`: the official incubating artifact's copy of
 * a stable item, deprecated only so that users import the stable class. The item it stands for is
 * not deprecated, so the copy does not say it is (a copy of an item the registry deprecates carries
 * the registry's note instead, and stays deprecated).
 */
const MOVED_TO_STABLE = /(?:^|\n)[ \t]*@deprecated[ \t]+deprecated in favou?r of stable\b/i;

function extractFile(path: string, content: string): ExtractedSymbol[] {
  const toks = lexJava(content);
  const out: ExtractedSymbol[] = [];
  const root: Scope = {
    kind: 'other',
    name: '',
    typeDepth: 0,
    isInterface: false,
    deprecated: false,
    parent: undefined,
  };
  let scope = root;
  /** tokens of the member being read, from the last boundary */
  let member: Tok[] = [];
  let javadoc = '';
  const reset = () => {
    member = [];
    javadoc = '';
  };
  const skipGroup = (open: number): number => {
    let depth = 0;
    for (let k = open; k < toks.length; k++) {
      const t = toks[k].text;
      if (toks[k].kind !== 'punct') continue;
      if (t === '(' || t === '[' || t === '{') depth++;
      else if (t === ')' || t === ']' || t === '}') {
        depth--;
        if (depth === 0) return k + 1;
      }
    }
    return toks.length;
  };
  const containerOf = (s: Scope) => (s.typeDepth <= 1 && s.kind !== 'enum' ? '' : s.name);
  const isDeprecated = (annotations: Tok[], doc: string) =>
    (annotations.some((t) => t.text === 'Deprecated') || /(?:^|\n)[ \t]*@deprecated\b/.test(doc)) &&
    !MOVED_TO_STABLE.test(doc);
  const typeScope = (decl: { kind: string; name: string }, m: Tok[], doc: string, parent: Scope): Scope => ({
    kind: decl.kind === 'enum' ? 'enum' : 'type',
    name: decl.name,
    typeDepth: parent.typeDepth + 1,
    isInterface: decl.kind === 'interface',
    deprecated: parent.deprecated || isDeprecated(m, doc),
    parent,
  });
  const push = (
    name: Tok,
    value: string | number | boolean,
    kind: 'constant' | 'template',
    annotations: Tok[],
    doc: string,
    s: Scope,
  ) => {
    const deprecated = s.deprecated || isDeprecated(annotations, doc);
    out.push({
      name: name.text,
      value,
      kind,
      file: path,
      line: name.line,
      doc,
      deprecated,
      container: containerOf(s),
    });
  };

  let i = 0;
  while (i < toks.length) {
    const t = toks[i];
    if (t.kind === 'javadoc') {
      if (member.length === 0) javadoc = t.value;
      i++;
      continue;
    }
    const inType = scope.kind === 'type' || scope.kind === 'enum';
    if (!inType) {
      // outside a type body (file level or inside a method): only look for type declarations and braces
      if (t.text === '{') {
        const decl = typeDeclaration(member);
        scope = decl
          ? typeScope(decl, member, javadoc, scope)
          : {
              kind: 'other',
              name: '',
              typeDepth: scope.typeDepth,
              isInterface: false,
              deprecated: scope.deprecated,
              parent: scope,
            };
        if (scope.kind === 'enum') i = readEnumConstants(i + 1);
        else i++;
        reset();
        continue;
      }
      if (t.text === '}') {
        scope = scope.parent ?? root;
        reset();
        i++;
        continue;
      }
      if (t.text === ';') {
        reset();
        i++;
        continue;
      }
      member.push(t);
      i++;
      continue;
    }
    // inside a type body: read one member up to ';' or a body '{'
    if (t.text === '}') {
      scope = scope.parent ?? root;
      reset();
      i++;
      continue;
    }
    if (t.text === ';') {
      readField(member, javadoc, scope);
      reset();
      i++;
      continue;
    }
    if (t.text === '@' && toks[i + 1]?.kind === 'ident' && toks[i + 1].text !== 'interface') {
      // annotation, possibly qualified and with arguments
      let j = i + 2;
      while (toks[j]?.text === '.' && toks[j + 1]?.kind === 'ident') j += 2;
      member.push(toks[j - 1]);
      if (toks[j]?.text === '(') j = skipGroup(j);
      // keep a marker so Deprecated is seen; the annotation's name token is enough
      i = j;
      continue;
    }
    if (t.text === '=' || member.some((m) => m.text === '=')) {
      // a field initializer: read to the ';' at depth 0 (it may hold braces: arrays, lambdas, anonymous classes)
      if (t.text === '(' || t.text === '[' || t.text === '{') {
        const end = skipGroup(i);
        member.push(...toks.slice(i, end));
        i = end;
        continue;
      }
      member.push(t);
      i++;
      continue;
    }
    if (t.text === '(') {
      const end = skipGroup(i);
      member.push(...toks.slice(i, end));
      i = end;
      continue;
    }
    if (t.text === '{') {
      const decl = typeDeclaration(member);
      if (decl) {
        scope = typeScope(decl, member, javadoc, scope);
        const next = scope.kind === 'enum' ? readEnumConstants(i + 1) : i + 1;
        reset();
        i = next;
        continue;
      }
      const end = skipGroup(i);
      if (member.some((m) => m.text === '('))
        readTemplateMethod(member, toks.slice(i + 1, end - 1), javadoc, scope);
      reset();
      i = end;
      continue;
    }
    member.push(t);
    i++;
  }
  return out;

  /** `[mods] class Name ...` -> the type's kind and name */
  function typeDeclaration(m: Tok[]): { kind: string; name: string } | undefined {
    for (let k = 0; k < m.length - 1; k++) {
      if (
        m[k].kind === 'ident' &&
        TYPE_KEYWORDS.has(m[k].text) &&
        m[k + 1].kind === 'ident' &&
        m[k - 1]?.text !== '.'
      ) {
        return { kind: m[k].text, name: m[k + 1].text };
      }
    }
    return undefined;
  }

  /** enum constants up to the first ';' (or the closing brace); returns the index to continue at */
  function readEnumConstants(start: number): number {
    let k = start;
    let doc = '';
    let annotations: Tok[] = [];
    while (k < toks.length) {
      const t = toks[k];
      if (t.kind === 'javadoc') {
        doc = t.value;
        k++;
        continue;
      }
      if (t.text === ';') return k + 1;
      if (t.text === '}') return k; // let the main loop close the scope
      if (t.text === '@' && toks[k + 1]?.kind === 'ident') {
        annotations.push(toks[k + 1]);
        k += 2;
        if (toks[k]?.text === '(') k = skipGroup(k);
        continue;
      }
      if (t.kind === 'ident') {
        let j = k + 1;
        let value: string | number | boolean | undefined;
        if (toks[j]?.text === '(') {
          const end = skipGroup(j);
          const args = splitArgs(toks.slice(j + 1, end - 1));
          if (args.length > 0) value = literalValue(args[0]);
          j = end;
        }
        if (toks[j]?.text === '{') j = skipGroup(j); // constant-specific body
        if (value !== undefined) push(t, value, 'constant', annotations, doc, scope);
        doc = '';
        annotations = [];
        if (toks[j]?.text === ',') j++;
        k = j;
        continue;
      }
      k++;
    }
    return k;
  }

  function readField(m: Tok[], doc: string, s: Scope): void {
    const eq = m.findIndex((t) => t.text === '=');
    if (eq < 1) return;
    const mods = new Set(m.slice(0, eq).map((t) => t.text));
    if (!s.isInterface && !(mods.has('static') && mods.has('final'))) return;
    // declarators separated by ',' at depth 0: `A = "a", B = "b"`
    const parts = splitArgs(m.slice(eq - 1));
    for (const p of parts) {
      const peq = p.findIndex((t) => t.text === '=');
      if (peq !== 1 || p[0].kind !== 'ident') continue;
      const expr = p.slice(2);
      const value = literalValue(expr);
      if (value !== undefined) {
        push(p[0], value, 'constant', m, doc, s);
        continue;
      }
      const call = factoryCall(expr);
      if (call) push(p[0], call.value, /template/i.test(call.callee) ? 'template' : 'constant', m, doc, s);
    }
  }

  /** `static String NAME(String key) { return "a.b." + key; }` */
  function readTemplateMethod(m: Tok[], body: Tok[], doc: string, s: Scope): void {
    const open = m.findIndex((t) => t.text === '(');
    if (open < 1 || m[open - 1].kind !== 'ident') return;
    if (!s.isInterface && !m.slice(0, open).some((t) => t.text === 'static')) return;
    if (!m.slice(0, open - 1).some((t) => t.text === 'String')) return;
    const ret = body.findIndex((t) => t.text === 'return');
    if (ret < 0) return;
    const expr = body.slice(
      ret + 1,
      body.findIndex((t, k) => k > ret && t.text === ';'),
    );
    let prefix = '';
    if (expr[0]?.kind === 'str') {
      let k = 0;
      while (expr[k]?.kind === 'str') {
        prefix += expr[k].value;
        if (expr[k + 1]?.text === '+' && expr[k + 2]?.kind === 'str') k += 2;
        else break;
      }
      if (expr[k + 1]?.text !== '+') return; // a plain constant string, not a template
    } else if (expr[0]?.text === 'String' && expr[2]?.text === 'format' && expr[4]?.kind === 'str') {
      prefix = expr[4].value.split('%')[0];
    } else return;
    prefix = prefix.replace(/\.$/, '');
    if (!/^[A-Za-z0-9_.\-/]+$/.test(prefix)) return;
    push(m[open - 1], prefix, 'template', m, doc, s);
  }
}

function splitArgs(ts: Tok[]): Tok[][] {
  const parts: Tok[][] = [[]];
  let depth = 0;
  for (const t of ts) {
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.text)) depth--;
    if (depth === 0 && t.text === ',') parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts.filter((p) => p.length > 0);
}

/** `"a"`, `"a" + "b"`, `-1`, `0L`, `true`, `'c'`, with parentheses and casts to primitives tolerated */
function literalValue(expr: Tok[]): string | number | boolean | undefined {
  let e = expr;
  while (e.length >= 2 && e[0].text === '(' && e[e.length - 1].text === ')') e = e.slice(1, -1);
  if (e.length === 0) return undefined;
  if (e.every((t, k) => (k % 2 === 0 ? t.kind === 'str' || t.kind === 'char' : t.text === '+'))) {
    if (e.length % 2 === 0) return undefined;
    if (e.length === 1 && e[0].kind === 'char') return e[0].value;
    if (e.some((t) => t.kind === 'str'))
      return e
        .filter((_t, k) => k % 2 === 0)
        .map((t) => t.value)
        .join('');
  }
  if (e.length === 1) {
    if (e[0].kind === 'num') return parseNumber(e[0].text);
    if (e[0].text === 'true' || e[0].text === 'false') return e[0].text === 'true';
  }
  if (e.length === 2 && (e[0].text === '-' || e[0].text === '+') && e[1].kind === 'num') {
    const v = parseNumber(e[1].text);
    return v === undefined ? undefined : e[0].text === '-' ? -v : v;
  }
  return undefined;
}

/** `name("x")`, `Type.name("x")`, `a.b.Type.<T>name("x")`: the callee's simple name and the string */
function factoryCall(expr: Tok[]): { callee: string; value: string } | undefined {
  if (expr.length < 4 || expr[expr.length - 1].text !== ')') return undefined;
  const open = expr.findIndex((t) => t.text === '(');
  if (open < 1 || expr[open - 1].kind !== 'ident') return undefined;
  const before = expr.slice(0, open);
  if (
    !before.every(
      (t) => t.kind === 'ident' || t.text === '.' || t.text === '<' || t.text === '>' || t.text === ',',
    )
  )
    return undefined;
  if (before.some((t) => t.text === 'new')) return undefined;
  const args = splitArgs(expr.slice(open + 1, -1));
  if (args.length !== 1 || args[0].length !== 1 || args[0][0].kind !== 'str') return undefined;
  return { callee: expr[open - 1].text, value: args[0][0].value };
}
