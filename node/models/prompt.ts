import { posix } from 'node:path';
import {
  DEFAULT_LIMITS,
  type GeneratedFile,
  type Language,
  type RenderLimits,
  type TemplateRegistry,
} from '../generation/index.js';
import { createEngine } from '../generation/render.js';
import { type Pack, type PackError, resolveParams } from '../packs/index.js';
import type { EmitScope } from '../validation/index.js';
import { ModelError, ModelErrorCode } from './errors.js';
import { safeRelativePath } from './extract.js';

/** The outputs of a prompt pack's `files` that are the prompt; every other entry is a scaffold file. */
export const PROMPT_OUTPUTS = { system: 'system', user: 'user' } as const;

/** What a prompt template sees of its chunk. */
export interface PromptChunk {
  id: string;
  index: number;
  count: number;
  namespaces: string[];
  part: number;
  parts: number;
}

/** What a prompt template sees of the previous round (snake_case, like the registry it sees). */
export interface PromptFeedback {
  round: number;
  summary: string;
  diagnostics: { file: string; line: number; column: number; severity: string; message: string }[];
  missing: string[];
  misnamed: string[];
  wrong_value: string[];
  /** emitted names the registry does not have */
  invented: string[];
  unmarked_deprecated: string[];
  falsely_deprecated: string[];
  failing_tests: string[];
  /** the previous version of this chunk's files, to be corrected */
  files: { path: string; content: string; truncated: boolean }[];
}

export interface Prompt {
  system: string;
  user: string;
}

export interface PromptRenderer {
  readonly pack: Pack;
  readonly params: Record<string, string>;
  /** what the output should hold, from the manifest's `emits` (for the symbol checks) */
  readonly scope: EmitScope;
  prompt(registry: TemplateRegistry, chunk: PromptChunk, feedback?: PromptFeedback): Prompt;
  /**
   * The pack's other files, rendered once over the whole registry after the model answered, with
   * `files` (path, dir, stem, ext of every generated file) in scope: glue a model should not have to
   * write consistently across chunks (an index.ts, a Rust lib.rs, a Go doc.go).
   */
  scaffolds(registry: TemplateRegistry, files: GeneratedFile[]): GeneratedFile[];
}

/**
 * Renders a prompt pack through the same LiquidJS sandbox as template packs (createEngine: parse,
 * render and memory limits, the shared filters, no file system), so a prompt pack from a stranger is
 * as safe as a template pack.
 */
export function createPromptRenderer(
  pack: Pack,
  language: Language,
  given: Record<string, string> = {},
  generator?: string,
  limits: RenderLimits = DEFAULT_LIMITS,
): PromptRenderer {
  const m = pack.manifest;
  const wrong = (why: string) =>
    new ModelError({ code: ModelErrorCode.BAD_PACK, generator }, `pack ${m.name} ${why}`);
  if (m.kind !== 'prompt') throw wrong(`is a ${m.kind} pack; LLM generators need a prompt pack`);
  if (m.language !== language) throw wrong(`is for ${m.language}, not ${language}`);
  let params: Record<string, string>;
  try {
    params = resolveParams(m, given);
  } catch (e) {
    throw new ModelError({ code: ModelErrorCode.BAD_PACK, generator }, (e as PackError).message, {
      cause: e,
    });
  }
  const system = m.files.find((f) => f.output === PROMPT_OUTPUTS.system);
  const user = m.files.find((f) => f.output === PROMPT_OUTPUTS.user);
  if (!system || !user) throw wrong('has no `system` and `user` outputs in its files');
  const scaffoldSpecs = m.files.filter(
    (f) =>
      f !== system &&
      f !== user &&
      !(f.when && Object.entries(f.when).some(([k, v]) => params[k] !== v)) &&
      f.each === undefined,
  );
  const engine = createEngine(pack, limits);
  const packInfo = { name: m.name, version: m.version, language: m.language };
  const render = (template: string, scope: Record<string, unknown>, inline = false): string => {
    try {
      return inline ? engine.parseAndRenderSync(template, scope) : engine.renderFileSync(template, scope);
    } catch (e) {
      throw wrong(`cannot render ${template}: ${((e as Error).message ?? String(e)).split('\n')[0]}`);
    }
  };
  const scope: EmitScope = {
    stability: render(m.emits.stability, { params }, true).trim(),
    deprecated: render(m.emits.deprecated, { params }, true).trim(),
  };
  return {
    pack,
    params,
    scope,
    prompt(registry, chunk, feedback) {
      const s = { registry, params, pack: packInfo, language, chunk, feedback: feedback ?? null };
      return { system: tidy(render(system.template, s)), user: tidy(render(user.template, s)) };
    },
    scaffolds(registry, files) {
      const list = files.map((f) => {
        const ext = posix.extname(f.path);
        return { path: f.path, dir: posix.dirname(f.path), stem: posix.basename(f.path, ext), ext };
      });
      const s = { registry, params, pack: packInfo, language, files: list };
      const out: GeneratedFile[] = [];
      for (const spec of scaffoldSpecs) {
        const content = render(spec.template, s);
        if (!content.trim()) continue;
        const path = safeRelativePath(render(spec.output, s, true), generator);
        out.push({ path, content: tidy(content) });
      }
      return out;
    },
  };
}

/** Collapse the blank-line runs Liquid leaves behind; one trailing newline. */
function tidy(text: string): string {
  return `${text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
