import { isSafePackPath } from '../../marketplace/pack.js';
import type { GeneratedFile } from '../generation/index.js';
import { type Generator, ModelError, ModelErrorCode } from '../models/index.js';
import type { ExtraCheck, ToolDiagnostic } from '../validation/index.js';
import { FilesAnswer, issuesOf, ValidationAnswer } from './schema.js';
import type { PluginGenerator, PluginValidator } from './types.js';

/** Bounds of what a plugin's generator returns (the same order as a pack's output). */
export const GENERATOR_LIMITS = { maxFiles: 1000, maxBytes: 32 * 1024 * 1024 } as const;

/**
 * A plugin's validator as a check of the validation part: its answer is schema-checked (a bad
 * answer throws, which validation turns into a `plugin ... failed` diagnostic, like a throw or a
 * hang), messages are cut to 2,000 characters.
 */
export function pluginCheck(plugin: string, v: PluginValidator): ExtraCheck {
  return {
    name: `${plugin}/${v.name}`,
    language: v.language,
    tool: v.tool,
    async run(files, options) {
      const answer = ValidationAnswer.safeParse(await v.validate(files as GeneratedFile[], options));
      if (!answer.success) throw new Error(`its answer is not a validation: ${issuesOf(answer.error)}`);
      const diagnostics: ToolDiagnostic[] = (answer.data.diagnostics ?? []).map((d) => ({
        file: d.file,
        line: d.line,
        column: d.column ?? 0,
        severity: 'warning',
        message: d.message.slice(0, 2000),
      }));
      return { status: answer.data.status, reason: answer.data.reason, diagnostics };
    },
  };
}

/**
 * A plugin's generator behind the models' Generator interface (`plugin:<name>`, kind `plugin`):
 * within `timeoutMs` (its signal aborted past it), files checked against the packs' path rule and
 * bounded; every failure is a ModelError naming the plugin, as the interface promises.
 */
export function pluginGenerator(plugin: string, g: PluginGenerator, timeoutMs: number): Generator {
  const id = `plugin:${g.name}`;
  type Code =
    | ModelErrorCode.BAD_REQUEST
    | ModelErrorCode.TIMEOUT
    | ModelErrorCode.CANCELLED
    | ModelErrorCode.INTERNAL
    | ModelErrorCode.BAD_RESPONSE;
  const fail = (code: Code, message: string, cause?: unknown) =>
    new ModelError({ code, generator: id }, `plugin ${plugin} generator ${g.name}: ${message}`, { cause });
  return {
    id,
    kind: 'plugin',
    modelName: g.name,
    async generate(request) {
      const started = performance.now();
      if (!g.languages.includes(request.language))
        throw fail(ModelErrorCode.BAD_REQUEST, `does not generate ${request.language}`);
      const controller = new AbortController();
      const onAbort = () => controller.abort(request.signal?.reason);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(fail(ModelErrorCode.TIMEOUT, `no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      });
      try {
        if (request.signal?.aborted) throw fail(ModelErrorCode.CANCELLED, 'cancelled');
        let answer: Awaited<ReturnType<PluginGenerator['generate']>>;
        try {
          answer = await Promise.race([
            g.generate({
              language: request.language,
              registry: request.model,
              params: { ...(request.params ?? {}) },
              feedback: request.feedback,
              signal: controller.signal,
            }),
            timeout,
          ]);
        } catch (e) {
          if (e instanceof ModelError) throw e;
          if (request.signal?.aborted) throw fail(ModelErrorCode.CANCELLED, 'cancelled', e);
          throw fail(ModelErrorCode.INTERNAL, `threw: ${(e as Error)?.message ?? String(e)}`, e);
        }
        const files = checkedFiles(answer?.files, (m) => fail(ModelErrorCode.BAD_RESPONSE, m));
        const usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, priced: true };
        const durationMs = performance.now() - started;
        try {
          request.onProgress?.({ phase: 'done', generator: id, files: files.length, usage, durationMs });
        } catch {
          // a listener's failure is not the generation's
        }
        const m = request.pack?.manifest;
        return {
          files,
          usage,
          model: id,
          kind: 'plugin',
          durationMs,
          scope: answer.scope ?? { stability: 'all', deprecated: 'include' },
          pack: m
            ? { name: m.name, version: m.version, language: m.language, kind: m.kind }
            : { name: plugin, version: '0', language: request.language, kind: 'prompt' },
          params: { ...(request.params ?? {}) },
        };
      } finally {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
      }
    },
    async probe() {},
  };
}

/**
 * Files a plugin returned, checked: the packs' path rule (relative, no `..`, no hidden files), no
 * path twice, at most GENERATOR_LIMITS files and bytes (or `maxBytes`). `fail` makes the error.
 */
export function checkedFiles(
  value: unknown,
  fail: (message: string) => Error,
  maxBytes: number = GENERATOR_LIMITS.maxBytes,
): GeneratedFile[] {
  const r = FilesAnswer.safeParse(value);
  if (!r.success) throw fail(`its files are not {path, content} objects: ${issuesOf(r.error)}`);
  const files = r.data;
  if (files.length > GENERATOR_LIMITS.maxFiles) throw fail(`more than ${GENERATOR_LIMITS.maxFiles} files`);
  const seen = new Set<string>();
  let bytes = 0;
  for (const f of files) {
    if (!isSafePackPath(f.path))
      throw fail(
        `the file path ${JSON.stringify(f.path.slice(0, 200))} is outside the packs' path rule (relative, no .., no hidden files)`,
      );
    if (seen.has(f.path)) throw fail(`the file ${f.path} twice`);
    seen.add(f.path);
    bytes += Buffer.byteLength(f.content);
    if (bytes > maxBytes) throw fail(`more than ${maxBytes} bytes of files`);
  }
  return files.map((f) => ({ path: f.path, content: f.content }));
}
