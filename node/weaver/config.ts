import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { WeaverForgeError, WeaverForgeErrorCode } from './errors.js';

/** One `templates:` entry of weaver.yaml: which files, fed with what, written where. */
const TemplateEntry = z
  .object({
    template: z.string().min(1).optional(),
    /** older name of `template` */
    pattern: z.string().min(1).optional(),
    filter: z.string().default('.'),
    application_mode: z.enum(['single', 'each']),
    file_name: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    auto_escape: z.enum(['none', 'html', 'json']).default('none'),
    /** a jq expression over the registry that must give true or false */
    when: z.string().optional(),
  })
  .refine((t) => t.template ?? t.pattern, { message: 'a template entry needs `template`' });

const CommentFormat = z.object({
  format: z.enum(['markdown', 'html']).default('markdown'),
  header: z.string().optional(),
  prefix: z.string().optional(),
  footer: z.string().optional(),
  indent_type: z.enum(['space', 'tab']).default('space'),
  trim: z.boolean().default(true),
  remove_trailing_dots: z.boolean().default(false),
  enforce_trailing_dots: z.boolean().default(false),
  word_wrap: z
    .object({
      line_length: z.number().int().positive().optional(),
      ignore_newlines: z.boolean().default(false),
    })
    .default({ ignore_newlines: false }),
  escape_backslashes: z.boolean().default(false),
  escape_square_brackets: z.boolean().default(false),
  shortcut_reference_links: z.boolean().default(false),
  indent_first_level_list_items: z.boolean().default(false),
  default_block_code_language: z.string().default(''),
  use_go_style_list_indent: z.boolean().default(false),
  old_style_paragraph: z.boolean().default(false),
  omit_closing_li: z.boolean().default(false),
  inline_code_snippet: z.string().default('<c>{{code}}</c>'),
  block_code_snippet: z.string().default('<pre>\n{{code}}\n</pre>'),
});
export type CommentFormat = z.infer<typeof CommentFormat>;

/** weaver.yaml as Weaver reads it (weaver_forge's WeaverConfig); unknown keys are refused. */
const WeaverYaml = z
  .object({
    type_mapping: z.record(z.string(), z.string()).optional(),
    text_maps: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    template_syntax: z
      .object({
        block_start: z.string().optional(),
        block_end: z.string().optional(),
        variable_start: z.string().optional(),
        variable_end: z.string().optional(),
        comment_start: z.string().optional(),
        comment_end: z.string().optional(),
      })
      .optional(),
    whitespace_control: z
      .object({
        trim_blocks: z.boolean().optional(),
        lstrip_blocks: z.boolean().optional(),
        keep_trailing_newline: z.boolean().optional(),
      })
      .optional(),
    comment_formats: z.record(z.string(), z.unknown()).optional(),
    default_comment_format: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    templates: z.array(TemplateEntry).optional(),
    acronyms: z.array(z.string()).optional(),
  })
  .strict();
type WeaverYaml = z.infer<typeof WeaverYaml>;

export interface TemplateRule {
  /** a glob over the template's path relative to the target folder */
  template: string;
  filter: string;
  applicationMode: 'single' | 'each';
  fileName?: string;
  params?: Record<string, unknown>;
  autoEscape: 'none' | 'html' | 'json';
  when?: string;
}

export interface WeaverConfig {
  textMaps: Record<string, Record<string, string>>;
  syntax: NonNullable<WeaverYaml['template_syntax']>;
  whitespace: { trimBlocks: boolean; lstripBlocks: boolean; keepTrailingNewline: boolean };
  commentFormats: Record<string, CommentFormat>;
  defaultCommentFormat?: string;
  params: Record<string, unknown>;
  templates: TemplateRule[];
  acronyms: string[];
  /** the weaver.yaml files read, outermost first */
  files: string[];
}

/**
 * The configuration of a target: every weaver.yaml from the templates root down to the target folder
 * (`templates/registry/<target>`), each overriding the ones above it key by key (maps such as
 * `params`, `text_maps` and `comment_formats` merged by their own keys). Weaver also reads
 * `$HOME/.weaver/weaver.yaml`; this does not, so that a run depends only on what it is given.
 */
export async function loadWeaverConfig(templatesRoot: string, targetDir: string): Promise<WeaverConfig> {
  const rel = relative(templatesRoot, targetDir);
  const dirs = [templatesRoot];
  if (rel && !rel.startsWith('..'))
    rel.split(sep).reduce((at, part) => {
      const next = join(at, part);
      dirs.push(next);
      return next;
    }, templatesRoot);
  else if (rel) dirs.push(targetDir);
  let merged: WeaverYaml = {};
  const files: string[] = [];
  for (const dir of dirs) {
    const file = join(dir, 'weaver.yaml');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    files.push(file);
    merged = mergeConfig(merged, parseWeaverYaml(text, file));
  }
  const commentFormats: Record<string, CommentFormat> = {};
  for (const [name, raw] of Object.entries(merged.comment_formats ?? {})) {
    const parsed = CommentFormat.safeParse(raw);
    if (!parsed.success)
      throw new WeaverForgeError(
        { code: WeaverForgeErrorCode.INVALID_CONFIG, file: files.at(-1) ?? targetDir },
        `comment_formats.${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    commentFormats[name] = parsed.data;
  }
  return {
    textMaps: { ...(merged.type_mapping ? { type_mapping: merged.type_mapping } : {}), ...merged.text_maps },
    syntax: merged.template_syntax ?? {},
    whitespace: {
      trimBlocks: merged.whitespace_control?.trim_blocks ?? false,
      lstripBlocks: merged.whitespace_control?.lstrip_blocks ?? false,
      keepTrailingNewline: merged.whitespace_control?.keep_trailing_newline ?? false,
    },
    commentFormats,
    ...(merged.default_comment_format ? { defaultCommentFormat: merged.default_comment_format } : {}),
    params: merged.params ?? {},
    templates: (merged.templates ?? []).map((t) => ({
      template: (t.template ?? t.pattern) as string,
      filter: t.filter,
      applicationMode: t.application_mode,
      ...(t.file_name === undefined ? {} : { fileName: t.file_name }),
      ...(t.params === undefined ? {} : { params: t.params }),
      autoEscape: t.auto_escape,
      ...(t.when === undefined ? {} : { when: t.when }),
    })),
    acronyms: merged.acronyms ?? [],
    files,
  };
}

export function parseWeaverYaml(text: string, file: string): WeaverYaml {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new WeaverForgeError(
      { code: WeaverForgeErrorCode.INVALID_CONFIG, file },
      `${file}: not YAML: ${(e as Error).message}`,
    );
  }
  const parsed = WeaverYaml.safeParse(doc);
  if (!parsed.success)
    throw new WeaverForgeError(
      { code: WeaverForgeErrorCode.INVALID_CONFIG, file },
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

const MAPS = ['params', 'text_maps', 'comment_formats', 'type_mapping'] as const;

function mergeConfig(base: WeaverYaml, over: WeaverYaml): WeaverYaml {
  const out: Record<string, unknown> = { ...base, ...over };
  for (const k of MAPS)
    if (base[k] || over[k])
      out[k] = { ...(base[k] as object | undefined), ...(over[k] as object | undefined) };
  if (base.whitespace_control || over.whitespace_control)
    out.whitespace_control = { ...base.whitespace_control, ...over.whitespace_control };
  return out as WeaverYaml;
}
