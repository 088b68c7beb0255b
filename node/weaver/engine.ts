import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, posix, relative, resolve, sep } from 'node:path';
import mj from 'minijinja-js';
import { loadWeaverConfig, type TemplateRule, type WeaverConfig } from './config.js';
import { WeaverForgeError, WeaverForgeErrorCode } from './errors.js';
import { installWeaverExtensions, plain } from './filters.js';
import { globToRegExp } from './glob.js';
import { runJq } from './jq.js';

export interface RenderTargetRequest {
  /** the registry in Weaver's resolved shape (resolved.ts), or its JSON */
  registry: unknown;
  /** the templates root (`templates` by default): targets are `<root>/registry/<target>` */
  templatesRoot: string;
  target: string;
  /** --param / --params values: they override the template's and weaver.yaml's own */
  params: Record<string, unknown>;
  limits: TargetLimits;
}

export interface TargetLimits {
  /** minijinja fuel per render (instructions; an endless loop runs out of it) */
  fuel: number;
  /** bytes of all generated files together */
  outputBytes: number;
  files: number;
  /** bytes of one template file */
  templateBytes: number;
}

export interface GeneratedFile {
  /** relative to the output folder, forward slashes */
  path: string;
  content: string;
  /** the template it came from, relative to the target folder */
  template: string;
}

export interface RenderTargetResult {
  files: GeneratedFile[];
  /** weaver.yaml files read, outermost first */
  configFiles: string[];
  /** templates the rules matched and how many files each gave */
  applied: { template: string; filter: string; mode: 'single' | 'each'; files: number }[];
}

export async function availableTargets(templatesRoot: string): Promise<string[]> {
  const entries = await readdir(join(templatesRoot, 'registry'), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Renders one target of a Weaver template set (weaver_forge's `generate`), in memory. */
export async function renderTarget(req: RenderTargetRequest): Promise<RenderTargetResult> {
  // `./` is a target too (the registry folder itself, as the Python template set uses it), `..` is not
  const base = resolve(req.templatesRoot, 'registry');
  const targetDir = resolve(base, req.target);
  const isDir = await stat(targetDir)
    .then((s) => s.isDirectory())
    .catch(() => false);
  if (!isDir || (targetDir !== base && !targetDir.startsWith(base + sep)))
    throw new WeaverForgeError(
      {
        code: WeaverForgeErrorCode.TARGET_NOT_FOUND,
        target: req.target,
        templates: req.templatesRoot,
        available: await availableTargets(req.templatesRoot),
      },
      `no target ${JSON.stringify(req.target)} in ${req.templatesRoot}/registry`,
    );
  const config = await loadWeaverConfig(req.templatesRoot, targetDir);
  if (Object.values(config.syntax).some((v) => v !== undefined))
    throw new WeaverForgeError(
      { code: WeaverForgeErrorCode.INVALID_CONFIG, file: config.files.at(-1) ?? targetDir },
      'template_syntax (custom delimiters) is not supported: minijinja-js does not expose it',
    );
  const sources = await readTemplates(targetDir, req.limits.templateBytes);
  const registryJson = typeof req.registry === 'string' ? req.registry : JSON.stringify(req.registry);
  const rules = config.templates.map((t) => ({ rule: t, re: globToRegExp(t.template) }));
  const result: RenderTargetResult = { files: [], configFiles: config.files, applied: [] };
  let bytes = 0;
  for (const path of [...sources.keys()].sort()) {
    for (const { rule, re } of rules) {
      if (!re.test(path)) continue;
      if (rule.autoEscape !== 'none')
        throw new WeaverForgeError(
          { code: WeaverForgeErrorCode.INVALID_CONFIG, file: config.files.at(-1) ?? targetDir },
          `${rule.template}: auto_escape ${rule.autoEscape} is not supported (minijinja-js does not expose it)`,
        );
      const params = paramsFor(rule, config, req.params);
      if (rule.when !== undefined) {
        const when = await jq(registryJson, rule.when, params, path);
        if (typeof when !== 'boolean')
          throw new WeaverForgeError(
            { code: WeaverForgeErrorCode.FILTER_FAILED, template: path, filter: rule.when },
            `${path}: \`when\` must give true or false, gave ${JSON.stringify(when)?.slice(0, 80)}`,
          );
        if (!when) continue;
      }
      const ctx = await jq(registryJson, rule.filter, params, path);
      const contexts =
        rule.applicationMode === 'each' && Array.isArray(ctx)
          ? ctx
          : ctx === null || (Array.isArray(ctx) && ctx.length === 0 && rule.applicationMode === 'single')
            ? []
            : [ctx];
      const env = environment(config, sources, params, req.limits.fuel);
      let made = 0;
      for (const c of contexts) {
        const file = env.render(path, c, rule.fileName);
        bytes += Buffer.byteLength(file.content);
        if (bytes > req.limits.outputBytes)
          throw new WeaverForgeError(
            {
              code: WeaverForgeErrorCode.LIMIT_EXCEEDED,
              limit: 'outputBytes',
              value: req.limits.outputBytes,
            },
            `the generated files passed ${req.limits.outputBytes} bytes`,
          );
        result.files.push({ ...file, path: safeOutputPath(file.path, path), template: path });
        made++;
        if (result.files.length > req.limits.files)
          throw new WeaverForgeError(
            { code: WeaverForgeErrorCode.LIMIT_EXCEEDED, limit: 'files', value: req.limits.files },
            `more than ${req.limits.files} generated files`,
          );
      }
      result.applied.push({ template: path, filter: rule.filter, mode: rule.applicationMode, files: made });
    }
  }
  return result;
}

async function jq(registry: string, filter: string, params: Record<string, unknown>, template: string) {
  try {
    return await runJq(registry, filter, params);
  } catch (e) {
    throw new WeaverForgeError(
      { code: WeaverForgeErrorCode.FILTER_FAILED, template, filter },
      `${template}: jq filter failed: ${(e as Error).message.replace(/\s+/g, ' ').slice(0, 400)}`,
    );
  }
}

/** CLI params over the template's own over weaver.yaml's; `params` itself holds them all (Weaver's reserved name) */
function paramsFor(
  rule: TemplateRule,
  config: WeaverConfig,
  cli: Record<string, unknown>,
): Record<string, unknown> {
  const own = { ...config.params, ...rule.params, ...cli };
  delete own.params;
  return { ...own, params: { ...own } };
}

function safeOutputPath(p: string, template: string): string {
  const norm = posix.normalize(p.replace(/\\/g, '/'));
  if (
    !p.trim() ||
    norm.startsWith('../') ||
    norm === '..' ||
    posix.isAbsolute(norm) ||
    /^[A-Za-z]:/.test(norm)
  )
    throw new WeaverForgeError(
      { code: WeaverForgeErrorCode.OUTPUT_ESCAPES, template, fileName: p },
      `${template}: the file name ${JSON.stringify(p)} leaves the output folder`,
    );
  return norm;
}

async function readTemplates(dir: string, maxBytes: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (at: string) => {
    for (const e of await readdir(at, { withFileTypes: true })) {
      const full = join(at, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name !== 'weaver.yaml') {
        const s = await stat(full);
        const rel = relative(dir, full).split(sep).join('/');
        if (s.size > maxBytes)
          throw new WeaverForgeError(
            { code: WeaverForgeErrorCode.LIMIT_EXCEEDED, limit: 'outputBytes', value: maxBytes },
            `template ${rel} is larger than ${maxBytes} bytes`,
          );
        out.set(rel, await readFile(full, 'utf8'));
      }
    }
  };
  await walk(dir);
  return out;
}

/** One minijinja environment per template rule: every file of the target loadable (include, import, extends). */
function environment(
  config: WeaverConfig,
  sources: Map<string, string>,
  params: Record<string, unknown>,
  fuel: number,
) {
  const env = new mj.Environment();
  env.enablePyCompat();
  env.trimBlocks = config.whitespace.trimBlocks;
  env.lstripBlocks = config.whitespace.lstripBlocks;
  env.keepTrailingNewline = config.whitespace.keepTrailingNewline;
  env.fuel = fuel;
  const errors: string[] = [];
  // snippets (comment code formats) render in a plain environment of their own
  const snippets = new mj.Environment();
  installWeaverExtensions(env, config, errors, (source, ctx) => snippets.renderStr(source, ctx));
  env.addGlobal('params', params);
  // a file that does not parse (a syntax error, a binary) fails only if it is rendered, with its error
  const unparsed = new Map<string, string>();
  for (const [name, source] of sources) {
    try {
      env.addTemplate(name, source);
    } catch (e) {
      unparsed.set(name, String((e as Error).message ?? e).split('\n')[0]);
    }
  }
  return {
    render(template: string, ctx: unknown, fileName: string | undefined): { path: string; content: string } {
      let name = fileName ? '' : basename(template).replace(/\.j2$/, '');
      const fail = (why: string) =>
        new WeaverForgeError({ code: WeaverForgeErrorCode.TEMPLATE_FAILED, template }, `${template}: ${why}`);
      const parseError = unparsed.get(template);
      if (parseError !== undefined) throw fail(`does not parse: ${parseError}`);
      try {
        if (fileName) name = env.renderStr(fileName, { ctx });
        env.addGlobal('template', {
          set_file_name: (n: unknown) => {
            name = String(plain(n));
            return '';
          },
        });
        const content = env.renderTemplate(template, { ctx });
        if (errors.length > 0) throw fail(errors.splice(0).join('; '));
        return { path: name, content };
      } catch (e) {
        if (e instanceof WeaverForgeError) throw e;
        throw fail(((e as Error).message ?? String(e)).split('\n').slice(0, 6).join(' ').slice(0, 600));
      }
    },
  };
}
