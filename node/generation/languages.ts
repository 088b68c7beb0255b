/** Per-language lexical facts: reserved words, string literals, doc comments. */

export const LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java'] as const;
export type Language = (typeof LANGUAGES)[number];

export const LANGUAGE_ALIASES: Record<string, Language> = {
  ts: 'typescript',
  typescript: 'typescript',
  py: 'python',
  python: 'python',
  go: 'go',
  golang: 'go',
  rs: 'rust',
  rust: 'rust',
  java: 'java',
};

export function toLanguage(s: string): Language | undefined {
  const key = String(s).toLowerCase();
  // own keys only: "constructor" is not a language
  return Object.hasOwn(LANGUAGE_ALIASES, key) ? LANGUAGE_ALIASES[key] : undefined;
}

const RESERVED: Record<Language, Set<string>> = {
  typescript: new Set(
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private protected public static yield any boolean constructor declare get module require number set string symbol type from of await'.split(
      ' ',
    ),
  ),
  python: new Set(
    'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type'.split(
      ' ',
    ),
  ),
  go: new Set(
    'break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var'.split(
      ' ',
    ),
  ),
  rust: new Set(
    'as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while abstract become box do final macro override priv try typeof unsized virtual yield'.split(
      ' ',
    ),
  ),
  java: new Set(
    'abstract assert boolean break byte case catch char class const continue default do double else enum extends final finally float for goto if implements import instanceof int interface long native new package private protected public return short static strictfp super switch synchronized this throw throws transient try void volatile while true false null var record yield'.split(
      ' ',
    ),
  ),
};

/** Escapes an identifier that is a reserved word (or starts with a digit) in `lang`. */
export function escapeReserved(name: string, lang: Language): string {
  let n = String(name);
  if (/^[0-9]/.test(n)) n = `_${n}`;
  if (!RESERVED[lang]?.has(n)) return n;
  return lang === 'rust' ? `r#${n}` : `${n}_`;
}

/** A string literal that the language's compiler reads back as exactly `value`. */
export function stringLiteral(value: unknown, lang: Language): string {
  const s = String(value);
  if (lang === 'typescript')
    return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
  const json = JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  if (lang === 'rust') return json.replace(/\\u([0-9a-fA-F]{4})/g, '\\u{$1}');
  return json;
}

/** A literal for an enum member value: numbers and booleans stay what they are. */
export function valueLiteral(value: unknown, lang: Language): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return lang === 'python' ? (value ? 'True' : 'False') : String(value);
  return stringLiteral(value, lang);
}

/** Doc comment in the language's own form, indented; comment terminators in the text are neutralised. */
export function docComment(text: unknown, lang: Language, indent = 0): string {
  const pad = ' '.repeat(indent);
  const lines = String(text ?? '')
    .replace(/\r/g, '')
    .trimEnd()
    .split('\n');
  switch (lang) {
    case 'typescript':
      return [
        `${pad}/**`,
        ...lines.map((l) => `${pad} *${l ? ` ${l.replace(/\*\//g, '*\\/')}` : ''}`),
        `${pad} */`,
      ].join('\n');
    case 'java':
      // javac reads \u escapes even inside comments, and `*/` would end the comment: HTML entities are safe in Javadoc
      return [
        `${pad}/**`,
        ...lines.map((l) => `${pad} *${l ? ` ${l.replace(/\\/g, '&#92;').replace(/\*\//g, '*&#47;')}` : ''}`),
        `${pad} */`,
      ].join('\n');
    case 'rust':
      return lines.map((l) => `${pad}///${l ? ` ${l}` : ''}`).join('\n');
    case 'go':
      return lines.map((l) => `${pad}//${l ? ` ${l}` : ''}`).join('\n');
    case 'python': {
      const body = lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"'));
      // one line only when it cannot merge with the closing quotes (`..."` + `"""` would end the string early)
      if (body.length === 1 && !body[0].endsWith('"')) return `${pad}"""${body[0]}"""`;
      return [`${pad}"""${body[0]}`, ...body.slice(1).map((l) => (l ? `${pad}${l}` : '')), `${pad}"""`].join(
        '\n',
      );
    }
  }
}
