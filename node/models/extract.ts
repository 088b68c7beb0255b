import { posix } from 'node:path';
import type { GeneratedFile } from '../generation/index.js';
import { ModelError, ModelErrorCode } from './errors.js';

/** What was found in a model's answer besides the files, for messages and progress. */
export interface Extraction {
  files: GeneratedFile[];
  /** fenced blocks that named no file (examples, shell commands): ignored */
  unnamed: number;
  /** a block was still open when the answer ended (a truncated answer) */
  unclosed: boolean;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
/** a path-looking token: segments of word characters, dots and dashes, ending in an extension */
const PATH = /^(?:\.\/)?[\w.@+-]+(?:\/[\w.@+-]+)*\.[A-Za-z0-9]{1,10}$/;
/** `// file: a.ts`, `# path: a.py`, a block comment `filename: A.java`, `-- file: x`, `<!-- file: x -->` */
const MARKER_COMMENT =
  /^\s*(?:\/\/+|#+|\/\*+|--|<!--|;+)\s*(?:file(?:name)?|path)\s*[:=]\s*`?([^\s`*]+?)`?\s*(?:\*+\/|-->)?\s*$/i;
/** a bare path as the only content of a first-line comment: `// shop.ts`, `# attributes/shop.py` */
const BARE_COMMENT = /^\s*(?:\/\/+|#+|\/\*+|--)\s*`?([^\s`*]+?)`?\s*(?:\*+\/)?\s*$/;
const INFO_KEY = /(?:^|\s)(?:path|file|filename|title)\s*=\s*"?([^"\s]+)"?/i;
/** `File: a.ts`, `**a.ts**`, `### a.ts`, `` `a.ts`: ``, `1. a.ts` */
const HEADER_LABEL = /^(?:[#>*\-\s\d.)]*)(?:(?:file(?:name)?|path)\s*[:=]?\s*)?$/i;

/**
 * Pulls the files out of a model's answer: fenced code blocks (``` or ~~~, CommonMark closing rules)
 * whose file is named by the fence's info string (`ts path=a.ts`, `ts:a.ts`, ` ```a.ts`), by a
 * comment on the block's first line (`// file: a.ts`, which is then removed), or by a short line just
 * before the fence (`**a.ts**`, `### File: a.ts`). Chatter around the blocks, reasoning in
 * `<think>` tags and unnamed blocks are ignored; a file given twice keeps its last version (models
 * restate corrected files). Never throws on odd text; throws a ModelError when there is nothing usable.
 */
export function extractFiles(answer: string, generator?: string): Extraction {
  const text = stripThinking(String(answer ?? '')).replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const byPath = new Map<string, string>();
  let unnamed = 0;
  let blocks = 0;
  let unclosed = false;
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const info = open[2].trim();
    // backtick fences cannot have backticks in the info string (CommonMark): not an opener
    if (fence[0] === '`' && info.includes('`')) continue;
    let end = -1;
    for (let j = i + 1; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) {
        end = j;
        break;
      }
    }
    if (end < 0) {
      unclosed = true;
      break;
    }
    blocks++;
    let body = lines.slice(i + 1, end);
    let path = pathFromInfo(info);
    if (!path) {
      const first = body.findIndex((l) => l.trim() !== '');
      const fromComment = first >= 0 ? pathFromComment(body[first]) : undefined;
      if (fromComment) {
        path = fromComment;
        body = body.slice(first + 1);
        if (body[0]?.trim() === '') body = body.slice(1);
      }
    }
    path ??= pathFromPrecedingLine(lines, i);
    i = end;
    if (!path) {
      unnamed++;
      continue;
    }
    const safe = safeRelativePath(path, generator);
    byPath.delete(safe); // re-insert: the last version wins and takes the last position
    byPath.set(safe, `${body.join('\n').replace(/\s+$/, '')}\n`);
  }
  if (blocks === 0) {
    const html = /^\s*(?:<!doctype html|<html)/i.test(text);
    throw new ModelError(
      { code: unclosed ? ModelErrorCode.TRUNCATED : ModelErrorCode.NO_CODE_BLOCKS, generator },
      unclosed
        ? `the answer ended inside its first code block (${text.length} characters): nothing complete to use`
        : html
          ? `the answer is an HTML page, not code: ${snippet(text)}`
          : `the answer has no fenced code block: ${snippet(text) || '(empty answer)'}`,
    );
  }
  if (byPath.size === 0) {
    throw new ModelError(
      { code: ModelErrorCode.NO_FILES, generator },
      `the answer has ${blocks} code block${blocks === 1 ? '' : 's'} but none names its file (expected a first line such as "// file: <path>")`,
    );
  }
  return { files: [...byPath].map(([path, content]) => ({ path, content })), unnamed, unclosed };
}

/** Reasoning models (qwen3, deepseek-r1) put their thoughts in `<think>` tags in the content. */
export function stripThinking(text: string): string {
  let out = text.replace(/<think>[\s\S]*?<\/think>/gi, '');
  // an unclosed <think> at the start: the answer never left its reasoning
  const open = out.search(/<think>/i);
  if (open >= 0 && !/```|~~~/.test(out.slice(0, open))) out = out.slice(0, open);
  return out;
}

/** an explicit marker must still name a file (`# path: /api/users` is a comment about a URL) */
const HAS_EXTENSION = /\.[A-Za-z0-9]{1,10}$/;
/** A token that looks like a relative file path (backslashes read as slashes). */
const looksLikePath = (t: string) => PATH.test(t.replace(/\\/g, '/'));

function pathFromInfo(info: string): string | undefined {
  if (!info) return undefined;
  // explicit: `path=...` is taken as given (then checked by safeRelativePath)
  const keyed = INFO_KEY.exec(info);
  if (keyed && HAS_EXTENSION.test(keyed[1])) return keyed[1];
  const [first] = info.split(/\s+/);
  const colon = first.indexOf(':');
  if (colon > 0 && looksLikePath(first.slice(colon + 1))) return first.slice(colon + 1);
  if (looksLikePath(first)) return first;
  return undefined;
}

function pathFromComment(line: string): string | undefined {
  // explicit: `// file: ...` is taken as given (and checked by safeRelativePath)
  const marked = MARKER_COMMENT.exec(line);
  if (marked && HAS_EXTENSION.test(marked[1])) return marked[1];
  const bare = BARE_COMMENT.exec(line);
  if (bare && looksLikePath(bare[1])) return bare[1];
  return undefined;
}

/** The nearest non-empty line before the fence, when it is only a (decorated) file name. */
function pathFromPrecedingLine(lines: string[], fenceAt: number): string | undefined {
  for (let k = fenceAt - 1; k >= 0 && k >= fenceAt - 3; k--) {
    const line = lines[k].trim();
    if (!line) continue;
    if (line.length > 200 || FENCE.test(line)) return undefined;
    const tokens = [...line.matchAll(/`([^`]+)`|([^\s`*"'()[\]]+)/g)].map((m) => (m[1] ?? m[2]).trim());
    const candidates = tokens.map((t) => t.replace(/[:,;]+$/, '')).filter(looksLikePath);
    if (candidates.length !== 1) return undefined;
    const path = candidates[0];
    // the rest of the line must be decoration or a "File:" label, not a sentence
    const rest = line
      .replace(/`[^`]*`/g, ' ')
      .replace(path, ' ')
      .replace(/[`*_:]/g, ' ')
      .trim();
    return HEADER_LABEL.test(rest) ? path : undefined;
  }
  return undefined;
}

/** Output paths stay inside the output folder: relative, normalised, no `..`, no control characters. */
export function safeRelativePath(raw: string, generator?: string): string {
  const p = posix.normalize(raw.trim().replace(/\\/g, '/')).replace(/^(\.\/)+/, '');
  if (
    !p ||
    p === '.' ||
    p.startsWith('/') ||
    /^[A-Za-z]:/.test(p) ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
    /[\0-\x1f]/.test(p) ||
    p.split('/').includes('..')
  ) {
    throw new ModelError(
      { code: ModelErrorCode.BAD_OUTPUT_PATH, generator },
      `the answer names the file "${raw}": a path must be relative and stay inside the output folder`,
    );
  }
  return p;
}

/** A short, one-line view of a text for error messages (HTML pages reduced to their title or text). */
export function snippet(text: string, max = 160): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1];
  const plain = (title ?? text.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
  return plain.length > max ? `${plain.slice(0, max)}…` : plain;
}
