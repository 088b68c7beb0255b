import { posix } from 'node:path';
import { Liquid } from 'liquidjs';
import type { Pack } from '../packs/index.js';
import type { EmitScope } from '../validation/expected.js';
import { boundStrings } from './bounds.js';
import { GenerationError, GenerationErrorCode, type RenderLimitKind } from './errors.js';
import { registerFilters } from './filters.js';
import { memoizePartials, type PartialStore } from './partial-memo.js';
import type { TemplateNamespace, TemplateRegistry } from './template-model.js';

export interface GeneratedFile {
  path: string;
  content: string;
}

/**
 * LiquidJS's own limits and ours, inside the render worker: packs come from strangers. The worker's
 * budgets (time and heap per candidate, time per generation: see pool.ts) bound what these do not.
 */
export interface RenderLimits {
  /** characters of template source parsed per template */
  parseLimit: number;
  /** milliseconds of rendering per template */
  renderLimit: number;
  /** LiquidJS memory units (roughly characters allocated by loops and filters) per render */
  memoryLimit: number;
  /** characters of any one string a template builds: a file's output, a capture, a filter's result */
  maxString: number;
  /** characters of output per generation, all files together */
  maxOutput: number;
  maxFiles: number;
}

export const DEFAULT_LIMITS: RenderLimits = {
  parseLimit: 1_000_000,
  renderLimit: 5_000,
  memoryLimit: 20_000_000,
  maxString: 16 * 1024 * 1024,
  maxOutput: 64 * 1024 * 1024,
  maxFiles: 2000,
};

/** A pack's engine; with `partials`, renders of partials are kept there between renders (partial-memo.ts). */
export function createEngine(pack: Pack, limits: RenderLimits, partials?: PartialStore): Liquid {
  const engine = new Liquid({
    templates: pack.templates,
    relativeReference: false,
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: false,
    parseLimit: limits.parseLimit,
    renderLimit: limits.renderLimit,
    memoryLimit: limits.memoryLimit,
    cache: true,
  });
  registerFilters(engine);
  boundStrings(engine, limits.maxString);
  if (partials) memoizePartials(engine, partials);
  return engine;
}

/**
 * Renders every file of `pack` over the registry with `params`. Throws GenerationError with the
 * template's name. Synchronous work: it runs in a render worker (pool.ts), or in a test.
 */
export async function renderPack(
  pack: Pack,
  registry: TemplateRegistry,
  params: Record<string, string>,
  limits: RenderLimits = DEFAULT_LIMITS,
): Promise<GeneratedFile[]> {
  return renderPackSync(pack, registry, params, limits);
}

/** renderPack on a given engine (the worker keeps one per pack); `onTemplate` hears each template as it starts. */
export function renderPackSync(
  pack: Pack,
  registry: TemplateRegistry,
  params: Record<string, string>,
  limits: RenderLimits = DEFAULT_LIMITS,
  engine: Liquid = createEngine(pack, limits),
  onTemplate?: (template: string) => void,
): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  let total = 0;
  const base = {
    registry,
    params,
    pack: { name: pack.manifest.name, version: pack.manifest.version, language: pack.manifest.language },
  };
  for (const spec of pack.manifest.files) {
    if (spec.when && Object.entries(spec.when).some(([k, v]) => params[k] !== v)) continue;
    const scopes: Record<string, unknown>[] =
      spec.each === 'namespace'
        ? registry.namespaces.map((namespace: TemplateNamespace) => ({ ...base, namespace }))
        : [base];
    onTemplate?.(spec.template);
    for (const scope of scopes) {
      const path = safePath(
        run(spec.template, () => engine.parseAndRenderSync(spec.output, scope)),
        spec.template,
      );
      let content = run(spec.template, () => engine.renderFileSync(spec.template, scope));
      if (!content.trim()) continue; // a template may decide it has nothing to say for this scope
      content = tidy(content);
      total += content.length;
      if (total > limits.maxOutput)
        throw new GenerationError(
          { code: GenerationErrorCode.LIMIT_EXCEEDED, template: spec.template, limit: 'output' },
          `output exceeds ${limits.maxOutput} characters (template ${spec.template})`,
        );
      if (files.length >= limits.maxFiles)
        throw new GenerationError(
          { code: GenerationErrorCode.LIMIT_EXCEEDED, template: spec.template, limit: 'files' },
          `more than ${limits.maxFiles} files`,
        );
      files.push({ path, content });
    }
  }
  return files;
}

/** What the output should hold, from the manifest's `emits` rendered with the params (tiny limits). */
export function renderScope(pack: Pack, params: Record<string, string>): EmitScope {
  const render = (t: string) => scopeEngine.parseAndRenderSync(t, { params }).trim();
  return {
    stability: render(pack.manifest.emits.stability),
    deprecated: render(pack.manifest.emits.deprecated),
  };
}

const scopeEngine = new Liquid({
  ownPropertyOnly: true,
  parseLimit: 1000,
  renderLimit: 100,
  memoryLimit: 10_000,
});

/** LiquidJS's limit messages (`<resource> limit exceeded`) and ours, by kind. */
const LIMIT_KINDS: [RegExp, RenderLimitKind][] = [
  [/parse length limit/i, 'parse'],
  [/template render limit/i, 'render'],
  [/memory alloc limit/i, 'memory'],
  [/string limit/i, 'string'],
];

/**
 * Rendering is synchronous: LiquidJS's async path spends most of its time in promise plumbing, and
 * packs only read in-memory data. The render limit still bounds how long one template can block.
 */
function run(template: string, fn: () => string): string {
  try {
    return fn();
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    const limit = /limit exceeded/i.test(msg);
    const first = `template ${template}: ${limit ? 'stopped by the sandbox limits: ' : ''}${msg.split('\n')[0]}`;
    if (limit) {
      const kind = LIMIT_KINDS.find(([re]) => re.test(msg))?.[1] ?? 'memory';
      throw new GenerationError({ code: GenerationErrorCode.LIMIT_EXCEEDED, template, limit: kind }, first);
    }
    const code = /parse|unexpected|not closed|tag .* not found/i.test(msg)
      ? GenerationErrorCode.TEMPLATE_PARSE
      : GenerationErrorCode.TEMPLATE_RENDER;
    throw new GenerationError({ code, template }, first);
  }
}

/** Output paths stay inside the output folder: relative, normalised, no `..`, no control characters. */
function safePath(rendered: string, template: string): string {
  const p = posix.normalize(rendered.trim().replace(/\\/g, '/'));
  if (
    !p ||
    p === '.' ||
    p.startsWith('/') ||
    p.startsWith('..') ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
    /[\0-\x1f]/.test(p) ||
    p.split('/').includes('..')
  ) {
    throw new GenerationError(
      { code: GenerationErrorCode.BAD_OUTPUT_PATH, template, path: rendered },
      `template ${template}: output path "${rendered}" must be relative and stay inside the output folder`,
    );
  }
  return p;
}

/** Liquid's whitespace control is coarse: collapse runs of blank lines and end with one newline. */
function tidy(text: string): string {
  return `${text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .trimEnd()}\n`;
}
