import type { CommentFormat } from './config.js';

/**
 * Weaver's `comment` filter: the text (a list is joined with newlines) trimmed, trailing dots
 * removed or enforced, rendered as the named comment format says (markdown kept as markdown, or
 * turned into HTML for javadoc-like formats), word-wrapped, then each line prefixed and indented,
 * with the header and footer around it. The markdown renderer covers what semantic-convention notes
 * use: paragraphs, bullet and numbered lists, inline and fenced code, links, bold, italics,
 * headings and blockquotes; exotic markdown may be laid out differently from Weaver's.
 */
export interface CommentArgs {
  format?: string;
  header?: string;
  prefix?: string;
  footer?: string;
  indent?: number;
  indent_type?: string;
  line_length?: number;
}

export const DEFAULT_FORMAT: CommentFormat = {
  format: 'markdown',
  indent_type: 'space',
  trim: true,
  remove_trailing_dots: false,
  enforce_trailing_dots: false,
  word_wrap: { ignore_newlines: false },
  escape_backslashes: false,
  escape_square_brackets: false,
  shortcut_reference_links: false,
  indent_first_level_list_items: false,
  default_block_code_language: '',
  use_go_style_list_indent: false,
  old_style_paragraph: false,
  omit_closing_li: false,
  inline_code_snippet: '<c>{{code}}</c>',
  block_code_snippet: '<pre>\n{{code}}\n</pre>',
};

export function renderComment(
  input: unknown,
  args: CommentArgs,
  formats: Record<string, CommentFormat>,
  defaultFormat: string | undefined,
  snippet: (template: string, code: string) => string,
): string {
  if (input === undefined) return '';
  const name = args.format ?? defaultFormat ?? 'default';
  const f = formats[name] ?? DEFAULT_FORMAT;
  let text = Array.isArray(input)
    ? input.map((v) => (v == null ? '' : String(v))).join('\n')
    : String(input ?? '');
  if (f.trim) text = text.trim();
  if (f.remove_trailing_dots && f.enforce_trailing_dots)
    throw new Error(
      `'remove_trailing_dots' and 'enforce_trailing_dots' can't be both set for format '${name}'`,
    );
  if (f.remove_trailing_dots) text = text.replace(/\.+$/, '');
  if (f.enforce_trailing_dots && text && !text.endsWith('.')) text += '.';
  const indentType = args.indent_type ?? f.indent_type;
  if (indentType !== 'space' && indentType !== 'tab')
    throw new Error("Invalid indent type, must be 'space' or 'tab'");
  const indent = (indentType === 'tab' ? '\t' : ' ').repeat(Math.max(0, args.indent ?? 0));
  const header = args.header ?? f.header ?? '';
  const prefix = args.prefix ?? f.prefix ?? '';
  const footer = args.footer ?? f.footer ?? '';
  const limit = args.line_length ?? f.word_wrap.line_length;
  const width = limit === undefined ? undefined : Math.max(1, limit - indent.length - prefix.length);
  const body = f.format === 'html' ? toHtml(text, f, snippet) : toMarkdown(text, f);
  const wrapped = width === undefined ? body : wrap(body, width, f.word_wrap.ignore_newlines);
  const lines: string[] = [];
  for (const line of wrapped.split('\n')) {
    const first = !header && lines.length === 0;
    const l = `${first ? '' : indent}${prefix}${line}`;
    lines.push(f.trim ? l.trimEnd() : l);
  }
  let out = lines.join('\n');
  if (header) out = `${header}\n${out}`;
  if (footer) out = `${out.trimEnd()}\n${indent}${footer}`;
  return out.trimEnd();
}

/** greedy wrap of each line (paragraph lines joined first when newlines are ignored) */
function wrap(text: string, width: number, ignoreNewlines: boolean): string {
  const source = ignoreNewlines ? text.split(/\n{2,}/).map((p) => p.replace(/\n/g, ' ')) : text.split('\n');
  const out: string[] = [];
  for (const line of source) {
    const lead = /^\s*/.exec(line)?.[0] ?? '';
    const ws = line.trim().split(/ +/).filter(Boolean);
    if (ws.length === 0) {
      out.push('');
      continue;
    }
    let cur = lead + ws[0];
    for (const w of ws.slice(1)) {
      if (cur.length + 1 + w.length > width) {
        out.push(cur);
        cur = w;
      } else cur += ` ${w}`;
    }
    out.push(cur);
  }
  return out.join(ignoreNewlines ? '\n\n' : '\n').replace(/\n\n\n+/g, '\n\n');
}

const LINK = /\[([^\]]+)\]\(([^)\s]+)\)/g;

const ITEM = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/;

/**
 * Markdown re-laid the way a markdown writer lays out its parse tree: blocks separated by exactly
 * one blank line, a list starting a block of its own, bullets written `-`, numbered items renumbered,
 * first-level items indented by two when asked, an item's continuation lines aligned under its text.
 */
function normalizeMarkdown(text: string, f: CommentFormat): string {
  const blocks: string[][] = [];
  let cur: string[] = [];
  let inList = false;
  let fenced = false;
  const flush = () => {
    if (cur.length) blocks.push(cur);
    cur = [];
  };
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (!fenced && line.trim() === '') {
      // a blank line between two items keeps the list (written tight, as the writer does)
      const next = lines.slice(i + 1).find((l) => l.trim() !== '');
      if (inList && next !== undefined && ITEM.test(next)) return;
      flush();
      inList = false;
      return;
    }
    const isItem = !fenced && ITEM.test(line);
    if (isItem && !inList) flush();
    // an unindented line right after an item's text continues it (a lazy continuation line), unless
    // it opens a block of its own
    if (!isItem && inList && !/^\s+\S/.test(line) && /^(#|```|>|---|\*\*\*)/.test(line.trim())) {
      flush();
      inList = false;
    }
    if (isItem) inList = true;
    cur.push(line);
  });
  flush();
  // a text that starts with an alert's marker (`> [!WARNING]`) directly followed by its text: the
  // marker stands apart (as Weaver writes it; an alert later in the text stays as it is)
  const split = blocks.flatMap((b, i) =>
    i === 0 && b.length > 1 && /^\s*>\s*\[!\w+\]\s*$/.test(b[0]) && /^\s*>\s*\S/.test(b[1])
      ? [[b[0]], b.slice(1)]
      : [b],
  );
  const laid = split.map((b) => {
    // a paragraph's lines lose their indentation (four spaces before the first make it code)
    if (!ITEM.test(b[0]))
      return /^( {4}|\t)/.test(b[0]) || /^\s*```/.test(b[0])
        ? b.join('\n')
        : b.map((l) => l.trimStart()).join('\n');
    let n = 0;
    let width = 0;
    const base = /^\s*/.exec(b[0])?.[0].length ?? 0;
    return b
      .map((line) => {
        const m = ITEM.exec(line);
        if (m && m[1].length <= base) {
          const marker = /\d/.test(m[2]) ? `${++n}.` : '-';
          const lead = f.indent_first_level_list_items ? '  ' : '';
          width = lead.length + marker.length + 1;
          return `${lead}${marker} ${m[3]}`;
        }
        return `${' '.repeat(width)}${line.trim()}`;
      })
      .join('\n');
  });
  // blocks one blank line apart, except a fenced code block right after a paragraph: the writer
  // starts it on the next line
  const fence = (b: string[]) => /^\s*```/.test(b[0]);
  const paragraph = (b: string[]) => !ITEM.test(b[0]) && !fence(b) && !/^\s*>/.test(b[0]);
  return laid
    .map((text, i) =>
      i === 0 ? text : `${fence(split[i]) && paragraph(split[i - 1]) ? '\n' : '\n\n'}${text}`,
    )
    .join('');
}

/**
 * Text outside code spans as a markdown parser reads it: a backslash before ASCII punctuation is an
 * escape (`\\"` reads `"`), images are dropped (the writer has no form for them), a quote line with
 * nothing after `>` is empty; then backslashes doubled when the format asks for it.
 */
const inlineText = (t: string, doubleBackslashes: boolean) =>
  t
    .split(/(`[^`]*`)/)
    .map((part, i) => {
      if (i % 2 === 1) return part;
      let x = part.replace(/\\([!-/:-@[-`{-~])/g, '$1').replace(/!\[[^\]]*\]\([^)]*\)/g, '');
      x = x.replace(/^(\s*)>\s*$/gm, '$1');
      // autolinks are written as links
      x = x.replace(/<(https?:\/\/[^>\s]+)>/g, '[$1]($1)');
      // emphasis is written with asterisks
      x = x.replace(/(^|[\s(])_([^_\s](?:[^_]*[^_\s])?)_(?=[\s.,;:)!?]|$)/gm, '$1*$2*');
      return doubleBackslashes ? x.replace(/\\/g, '\\\\') : x;
    })
    .join('');

function toMarkdown(text: string, f: CommentFormat): string {
  let t = inlineText(normalizeMarkdown(text, f), f.escape_backslashes);
  const refs: string[] = [];
  if (f.shortcut_reference_links)
    t = t.replace(LINK, (_m, label: string, url: string) => {
      const ref = `[${label}]: ${url}`;
      if (!refs.includes(ref)) refs.push(ref);
      return `[${label}]`;
    });
  if (f.escape_square_brackets) t = t.replace(/\[(?![^\]]*\]:)/g, '\\[').replace(/(?<!\\\[[^\]]*)\]/g, '\\]');
  return refs.length > 0 ? `${t}\n\n${refs.join('\n')}` : t;
}

function inlineHtml(s: string, f: CommentFormat, snippet: (t: string, code: string) => string): string {
  const codes: string[] = [];
  let t = s.replace(/`([^`]+)`/g, (_m, c: string) => {
    codes.push(snippet(f.inline_code_snippet, c));
    return `\uE000${codes.length - 1}\uE000`;
  });
  t = t
    .replace(LINK, '<a href="$2">$1</a>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
  return t.replace(/\uE000(\d+)\uE000/g, (_m, i: string) => codes[Number(i)]);
}

/** markdown blocks to HTML, one element per line, as a javadoc comment wants them */
function toHtml(text: string, f: CommentFormat, snippet: (t: string, code: string) => string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let i = 0;
  let paragraphs = 0;
  const startParagraph = () => {
    if (f.old_style_paragraph) {
      if (paragraphs > 0) out.push('<p>');
    }
    paragraphs++;
  };
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = /^\s*```(\w*)/.exec(line);
    if (fence) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i++]);
      i++;
      out.push(snippet(f.block_code_snippet, code.join('\n')));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      out.push(`<h${heading[1].length}>${inlineHtml(heading[2], f, snippet)}</h${heading[1].length}>`);
      i++;
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+/;
    if (item.test(line)) {
      const ordered = /^\s*\d/.test(line);
      out.push(ordered ? '<ol>' : '<ul>');
      while (i < lines.length && lines[i].trim() !== '' && (item.test(lines[i]) || /^\s+\S/.test(lines[i]))) {
        if (item.test(lines[i]))
          out.push(
            `  <li>${inlineHtml(lines[i].replace(item, ''), f, snippet)}${f.omit_closing_li ? '' : '</li>'}`,
          );
        else {
          // a continuation line belongs to the item above
          const last = out.pop() ?? '';
          const open = f.omit_closing_li ? last : last.replace(/<\/li>$/, '');
          out.push(`${open}\n${inlineHtml(lines[i].trim(), f, snippet)}${f.omit_closing_li ? '' : '</li>'}`);
        }
        i++;
      }
      out.push(ordered ? '</ol>' : '</ul>');
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quote: string[] = [];
      while (i < lines.length && lines[i].trim() !== '') quote.push(lines[i++].replace(/^\s*>\s?/, ''));
      out.push(`<blockquote>\n${quote.map((q) => inlineHtml(q, f, snippet)).join('\n')}</blockquote>`);
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      lines[i].trim() !== '' &&
      !item.test(lines[i]) &&
      !/^(#{1,6})\s/.test(lines[i])
    )
      para.push(lines[i++]);
    startParagraph();
    const body = para.map((p) => inlineHtml(p, f, snippet)).join('\n');
    out.push(f.old_style_paragraph ? body : `<p>${body}</p>`);
  }
  return out.join('\n');
}
