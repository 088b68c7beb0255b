import type { ExtractedSymbol, SymbolExtractor } from './types.js';

/**
 * Reads Rust constants through a small lexer (comments, raw strings, char literals and lifetimes are
 * told apart) and a brace-aware item walk. It finds:
 * - `const`/`static` items with a literal value (string, number, bool, char) or a one-string-argument
 *   call such as `Key::from_static_str("a.b")`, at any module depth;
 * - template attributes: a const whose doc names the full key as `` `<prefix>.<key>` `` (the
 *   official crate's shape: the constant holds the prefix), or a `fn x(key: &str) -> String` whose
 *   body starts the key with a string literal (`format!("a.b.{}", key)`, `"a.b.".to_owned() + key`);
 * - docs from `///` lines and `#[doc = "..."]`, deprecation from `#[deprecated...]`.
 * The container of a constant is the enclosing module when that module holds enum values: it is
 * named after a constant of its parent (`http_request_method` next to `HTTP_REQUEST_METHOD`) or ends
 * in `values`. Organisational modules (`attribute`, `metric`, per-namespace modules) give ''.
 */
export const rustSymbols: SymbolExtractor = {
  extract(files) {
    const out: ExtractedSymbol[] = [];
    for (const f of files) {
      if (!f.path.endsWith('.rs')) continue;
      out.push(...extractFile(f.path, f.content));
    }
    return out;
  },
};

type TokKind = 'ident' | 'str' | 'num' | 'char' | 'punct' | 'doc' | 'lifetime';
interface Tok {
  kind: TokKind;
  text: string;
  /** decoded value for 'str' / 'char', doc text for 'doc' */
  value: string;
  line: number;
}

export function lexRust(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  const advanceTo = (j: number) => {
    for (let k = i; k < j; k++) if (src.charCodeAt(k) === 10) line++;
    i = j;
  };
  const push = (kind: TokKind, start: number, end: number, value: string, startLine: number) =>
    toks.push({ kind, text: src.slice(start, end), value, line: startLine });
  while (i < n) {
    const c = src[i];
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      advanceTo(i + 1);
      continue;
    }
    const startLine = line;
    if (c === '/' && src[i + 1] === '/') {
      let j = src.indexOf('\n', i);
      if (j < 0) j = n;
      const isDoc = src[i + 2] === '/' && src[i + 3] !== '/';
      if (isDoc) {
        let text = src.slice(i + 3, j).replace(/\r$/, '');
        if (text.startsWith(' ')) text = text.slice(1);
        push('doc', i, j, text, startLine);
      }
      advanceTo(j);
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      // block comments nest in Rust
      let depth = 0;
      let j = i;
      while (j < n) {
        if (src[j] === '/' && src[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (src[j] === '*' && src[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      const isDoc = src[i + 2] === '*' && src[i + 3] !== '*' && src[i + 3] !== '/';
      if (isDoc) {
        const body = src.slice(i + 3, Math.max(i + 3, j - 2));
        const text = body
          .split('\n')
          .map((l) => l.replace(/^\s*\* ?/, ''))
          .join('\n')
          .trim();
        push('doc', i, j, text, startLine);
      }
      advanceTo(j);
      continue;
    }
    // raw strings and byte strings: r"..", r#".."#, br"..", b".."
    const raw = /^(b?r)(#*)"/.exec(src.slice(i, i + 260));
    if (raw) {
      const hashes = raw[2];
      const bodyStart = i + raw[0].length;
      const close = `"${hashes}`;
      let j = src.indexOf(close, bodyStart);
      if (j < 0) j = n;
      push('str', i, Math.min(n, j + close.length), src.slice(bodyStart, j), startLine);
      advanceTo(Math.min(n, j + close.length));
      continue;
    }
    if (c === '"' || (c === 'b' && src[i + 1] === '"')) {
      const q = c === '"' ? i : i + 1;
      let j = q + 1;
      while (j < n && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      push('str', i, Math.min(n, j + 1), unescapeRust(src.slice(q + 1, j)), startLine);
      advanceTo(Math.min(n, j + 1));
      continue;
    }
    if (c === "'" || (c === 'b' && src[i + 1] === "'")) {
      const q = c === "'" ? i : i + 1;
      if (src[q + 1] === '\\') {
        let j = q + 2;
        while (j < n && src[j] !== "'" && src[j] !== '\n') j++;
        push('char', i, j + 1, unescapeRust(src.slice(q + 1, j)), startLine);
        advanceTo(Math.min(n, j + 1));
        continue;
      }
      const cp = src.codePointAt(q + 1);
      const w = cp !== undefined && cp > 0xffff ? 2 : 1;
      if (src[q + 1 + w] === "'") {
        push('char', i, q + 2 + w, src.slice(q + 1, q + 1 + w), startLine);
        advanceTo(q + 2 + w);
        continue;
      }
      // a lifetime or label: 'a
      const m = /^'[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(q, q + 200));
      const end = m ? q + m[0].length : q + 1;
      push('lifetime', i, end, '', startLine);
      advanceTo(end);
      continue;
    }
    const id = /^(?:r#)?[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*/.exec(src.slice(i, i + 300));
    if (id) {
      push('ident', i, i + id[0].length, id[0], startLine);
      advanceTo(i + id[0].length);
      continue;
    }
    const num =
      /^(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9_]+)?)(?:[iuf](?:8|16|32|64|128|size))?/.exec(
        src.slice(i, i + 100),
      );
    if (num) {
      push('num', i, i + num[0].length, num[0], startLine);
      advanceTo(i + num[0].length);
      continue;
    }
    push('punct', i, i + 1, c, startLine);
    advanceTo(i + 1);
  }
  return toks;
}

function unescapeRust(s: string): string {
  return s.replace(/\\(?:u\{([0-9A-Fa-f_]{1,8})\}|x([0-9A-Fa-f]{2})|\r?\n\s*|(.))/g, (_m, u, x, ch) => {
    if (u !== undefined) return String.fromCodePoint(Number.parseInt(u.replace(/_/g, ''), 16));
    if (x !== undefined) return String.fromCharCode(Number.parseInt(x, 16));
    if (ch === undefined) return ''; // line continuation
    return ({ n: '\n', r: '\r', t: '\t', '0': '\0' } as Record<string, string>)[ch] ?? ch;
  });
}

function parseNumber(text: string): number | undefined {
  const t = text.replace(/_/g, '').replace(/(?:[iu](?:8|16|32|64|128|size)|f32|f64)$/, '');
  let v: number;
  if (/^0x/i.test(t)) v = Number.parseInt(t.slice(2), 16);
  else if (/^0o/i.test(t)) v = Number.parseInt(t.slice(2), 8);
  else if (/^0b/i.test(t)) v = Number.parseInt(t.slice(2), 2);
  else v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

interface Scope {
  kind: 'mod' | 'impl' | 'other';
  name: string;
  parent: Scope | undefined;
  /** constant names declared directly in this scope */
  consts: Set<string>;
  /** `#[deprecated]` on the module: everything inside is deprecated for its users too */
  deprecated: boolean;
}

interface Pending {
  doc: string[];
  deprecated: boolean;
}

const stripRaw = (s: string) => s.replace(/^r#/, '');

function extractFile(path: string, content: string): ExtractedSymbol[] {
  const toks = lexRust(content);
  const found: { sym: ExtractedSymbol; scope: Scope }[] = [];
  const root: Scope = { kind: 'mod', name: '', parent: undefined, consts: new Set(), deprecated: false };
  let scope = root;
  let pending: Pending = { doc: [], deprecated: false };
  const reset = () => {
    pending = { doc: [], deprecated: false };
  };
  /** index just past the bracket matching toks[open] ('(', '[' or '{') */
  const skipGroup = (open: number): number => {
    let depth = 0;
    for (let k = open; k < toks.length; k++) {
      const t = toks[k];
      if (t.kind !== 'punct') continue;
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        depth--;
        if (depth === 0) return k + 1;
      }
    }
    return toks.length;
  };
  let i = 0;
  while (i < toks.length) {
    const t = toks[i];
    if (t.kind === 'doc') {
      pending.doc.push(t.value);
      i++;
      continue;
    }
    // attributes: #[...] (outer) and #![...] (inner, ignored)
    if (t.kind === 'punct' && t.text === '#') {
      const inner = toks[i + 1]?.text === '!';
      const open = inner ? i + 2 : i + 1;
      if (toks[open]?.text === '[') {
        const end = skipGroup(open);
        if (!inner) readAttribute(toks.slice(open + 1, end - 1), pending);
        i = end;
        continue;
      }
    }
    if (t.kind === 'punct' && t.text === '}') {
      if (scope.parent) scope = scope.parent;
      reset();
      i++;
      continue;
    }
    if (t.kind === 'punct' && t.text === '{') {
      scope = { kind: 'other', name: '', parent: scope, consts: new Set(), deprecated: scope.deprecated };
      reset();
      i++;
      continue;
    }
    if (t.kind === 'punct' && t.text === ';') {
      reset();
      i++;
      continue;
    }
    if (t.kind !== 'ident') {
      i++;
      continue;
    }
    // skip visibility and qualifiers: pub, pub(crate), unsafe, extern "C", async, default
    let k = i;
    if (toks[k].text === 'pub') {
      k++;
      if (toks[k]?.text === '(') k = skipGroup(k);
    }
    while (['unsafe', 'async', 'default', 'extern'].includes(toks[k]?.text ?? '') || toks[k]?.kind === 'str')
      k++;
    const kw = toks[k]?.text;
    if (kw === 'mod' && toks[k + 1]?.kind === 'ident') {
      const name = toks[k + 1].text;
      if (toks[k + 2]?.text === '{') {
        scope = {
          kind: 'mod',
          name,
          parent: scope,
          consts: new Set(),
          deprecated: scope.deprecated || pending.deprecated,
        };
        reset();
        i = k + 3;
      } else {
        reset();
        i = k + 2;
      }
      continue;
    }
    if (kw === 'impl' && toks[k + 1]?.kind === 'ident' && toks[k + 2]?.text === '{') {
      // inherent impl of a plain type: associated constants are that type's members
      scope = {
        kind: 'impl',
        name: toks[k + 1].text,
        parent: scope,
        consts: new Set(),
        deprecated: scope.deprecated || pending.deprecated,
      };
      reset();
      i = k + 3;
      continue;
    }
    if ((kw === 'const' || kw === 'static') && scope.kind !== 'other') {
      let nameAt = k + 1;
      if (toks[nameAt]?.text === 'mut') nameAt++;
      const nameTok = toks[nameAt];
      if (nameTok?.kind === 'ident' && toks[nameAt + 1]?.text === ':') {
        // type up to '=' at depth 0, then the expression up to ';'
        let j = nameAt + 2;
        let depth = 0;
        while (j < toks.length && !(depth === 0 && (toks[j].text === '=' || toks[j].text === ';'))) {
          if (toks[j].kind === 'punct' && '([{<'.includes(toks[j].text)) depth++;
          else if (toks[j].kind === 'punct' && ')]}>'.includes(toks[j].text)) depth = Math.max(0, depth - 1);
          j++;
        }
        if (toks[j]?.text === '=') {
          const exprStart = j + 1;
          let e = exprStart;
          let d = 0;
          while (e < toks.length && !(d === 0 && toks[e].text === ';')) {
            if (toks[e].kind === 'punct' && '([{'.includes(toks[e].text)) d++;
            else if (toks[e].kind === 'punct' && ')]}'.includes(toks[e].text)) d--;
            e++;
          }
          const value = literalValue(toks.slice(exprStart, e));
          const name = stripRaw(nameTok.text);
          scope.consts.add(name);
          if (value !== undefined) {
            const doc = pending.doc.join('\n').trim();
            const isTemplate = typeof value === 'string' && doc.includes(`${value}.<`);
            found.push({
              sym: {
                name,
                value,
                kind: isTemplate ? 'template' : 'constant',
                file: path,
                line: nameTok.line,
                doc,
                deprecated: pending.deprecated || scope.deprecated,
                container: '',
              },
              scope,
            });
          }
          reset();
          i = e + 1;
          continue;
        }
      }
    }
    if (kw === 'fn' && toks[k + 1]?.kind === 'ident') {
      const nameTok = toks[k + 1];
      // find the body
      let j = k + 2;
      while (j < toks.length && toks[j].text !== '{' && toks[j].text !== ';') j++;
      if (toks[j]?.text === '{') {
        const end = skipGroup(j);
        if (scope.kind === 'mod') {
          const prefix = templatePrefix(toks.slice(j + 1, end - 1));
          if (prefix !== undefined) {
            found.push({
              sym: {
                name: stripRaw(nameTok.text),
                value: prefix,
                kind: 'template',
                file: path,
                line: nameTok.line,
                doc: pending.doc.join('\n').trim(),
                deprecated: pending.deprecated || scope.deprecated,
                container: '',
              },
              scope,
            });
          }
        }
        reset();
        i = end;
        continue;
      }
    }
    i = k + 1;
  }
  for (const { sym, scope: s } of found) sym.container = containerOf(s);
  return found.map((f) => f.sym);
}

/** An impl block's type, or an enum-values module: named after a constant of its parent, or `*values`. */
function containerOf(s: Scope): string {
  if (s.kind === 'impl') return stripRaw(s.name);
  if (s.kind !== 'mod' || !s.parent) return '';
  const name = stripRaw(s.name);
  if (s.parent.consts.has(name.toUpperCase()) || /values$/i.test(name)) return name;
  return '';
}

function readAttribute(body: Tok[], pending: Pending): void {
  const head = body[0]?.text;
  if (head === 'deprecated') pending.deprecated = true;
  else if (head === 'doc' && body[1]?.text === '=' && body[2]?.kind === 'str')
    pending.doc.push(body[2].value);
  else if (head === 'cfg_attr') {
    // #[cfg_attr(cond, deprecated(...))]
    if (body.some((t) => t.kind === 'ident' && t.text === 'deprecated')) pending.deprecated = true;
  }
}

/** `"x"`, `-1`, `true`, `'c'`, `("x")`, or a call with one string argument: `Key::from_static_str("x")`. */
function literalValue(expr: Tok[]): string | number | boolean | undefined {
  let e = expr;
  while (e.length >= 2 && e[0].text === '(' && e[e.length - 1].text === ')') e = e.slice(1, -1);
  if (e.length === 1) {
    const t = e[0];
    if (t.kind === 'str' || t.kind === 'char') return t.value;
    if (t.kind === 'num') return parseNumber(t.text);
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) return t.text === 'true';
    return undefined;
  }
  if (e.length === 2 && e[0].text === '-' && e[1].kind === 'num') {
    const v = parseNumber(e[1].text);
    return v === undefined ? undefined : -v;
  }
  // path::call("x") or path::call("x",) ; also `&"x"` is not valid const syntax so not handled
  const strs = e.filter((t) => t.kind === 'str');
  if (strs.length === 1 && e[e.length - 1].text === ')') {
    const open = e.findIndex((t) => t.text === '(');
    const before = e.slice(0, open);
    const args = e.slice(open + 1, -1).filter((t) => t.text !== ',');
    if (
      open > 0 &&
      before.every((t) => t.kind === 'ident' || t.text === ':') &&
      args.length === 1 &&
      args[0].kind === 'str'
    )
      return args[0].value;
  }
  return undefined;
}

const KEY_LIKE = /^[A-Za-z0-9_.\-/]+$/;

/** The key prefix a template function builds: the first string literal of its body, up to a `{}`. */
function templatePrefix(body: Tok[]): string | undefined {
  const first = body.find((t) => t.kind === 'str');
  if (!first) return undefined;
  // it must be combined with something else: a format! placeholder, a `+`, a push_str, a join
  const brace = first.value.indexOf('{');
  let prefix = brace >= 0 ? first.value.slice(0, brace) : first.value;
  if (brace < 0) {
    const idx = body.indexOf(first);
    const rest = body.slice(idx + 1).map((t) => t.text);
    const combined =
      rest.includes('+') || rest.includes('push_str') || rest.includes('join') || rest.includes('concat');
    if (!combined) return undefined;
  }
  prefix = prefix.replace(/\.$/, '');
  return prefix && KEY_LIKE.test(prefix) ? prefix : undefined;
}
