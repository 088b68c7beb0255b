import { z } from 'zod';
import { LANGUAGES } from '../generation/languages.js';
import { PluginError, PluginErrorCode } from './errors.js';
import type { Plugin, PluginValidation } from './types.js';

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'a function');
const language = z.enum(LANGUAGES, {
  error: () =>
    `one of ${LANGUAGES.join(', ')} (a validator of another language needs that language in the pipeline)`,
});
const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, ., _ and -, at most 64');

const unique = <T extends { name: string }>(what: string) =>
  z.array(z.custom<T>()).superRefine((items, ctx) => {
    const seen = new Set<string>();
    for (const i of items)
      if (seen.has(i.name)) ctx.addIssue({ code: 'custom', message: `two ${what} named ${i.name}` });
      else seen.add(i.name);
  });

/** What a plugin module must hand over: checked before anything of it is used. */
export const PluginSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(214)
      .regex(/^[@a-zA-Z0-9][@a-zA-Z0-9/._-]*$/, 'a package-like name'),
    apiVersion: z.number().int(),
    validators: z
      .array(z.object({ name, language, tool: z.string().min(1).max(100), validate: fn }).passthrough())
      .max(32)
      .pipe(unique('validators'))
      .optional(),
    generators: z
      .array(z.object({ name, languages: z.array(language).min(1).max(5), generate: fn }).passthrough())
      .max(32)
      .pipe(unique('generators'))
      .optional(),
    postProcessors: z
      .array(z.object({ name, languages: z.array(language).max(5).optional(), process: fn }).passthrough())
      .max(32)
      .pipe(unique('post-processors'))
      .optional(),
  })
  .passthrough();

/** A plugin's shape, or PLUGIN_INVALID listing what is wrong (`validators.0.language: one of ...`). */
export function checkPlugin(plugin: string, value: unknown): Plugin {
  const r = PluginSchema.safeParse(value);
  if (r.success) return value as Plugin;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(export)'}: ${i.message}`);
  throw new PluginError(
    { code: PluginErrorCode.INVALID, plugin, issues },
    `plugin ${plugin} is not a valid WeaverGen plugin (${issues.slice(0, 5).join('; ')}): fix the plugin, or remove it from "plugins" in weavergen.config.json`,
  );
}

/** The answer of a plugin's validator. */
export const ValidationAnswer = z.object({
  status: z.enum(['passed', 'not_validated']),
  reason: z.string().max(2000).optional(),
  diagnostics: z
    .array(
      z.object({
        file: z.string().max(1000),
        line: z.number().int().min(0),
        column: z.number().int().min(0).optional(),
        message: z.string(),
      }),
    )
    .max(10_000)
    .optional(),
}) satisfies z.ZodType<PluginValidation>;

/** Files a plugin returns (a generator's or a post-processor's): their path rule is checked apart. */
export const FilesAnswer = z.array(z.object({ path: z.string(), content: z.string() })).max(4096);

/** zod's first issues as one short text. */
export const issuesOf = (e: z.ZodError) =>
  e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`)
    .join('; ');
