import type { GeneratedFile, Language } from '../generation/index.js';
import { checkedFiles } from './adapters.js';
import { PluginError, PluginErrorCode } from './errors.js';
import type { PostProcessor } from './types.js';

/** What a post-processor may return: at most twice the bytes it was given plus 1 MiB, 64 MiB in all. */
export const POST_PROCESS_LIMITS = { maxBytes: 64 * 1024 * 1024, slackBytes: 1024 * 1024 } as const;

export interface NamedPostProcessor {
  plugin: string;
  processor: PostProcessor;
}

/**
 * The post-processors of a language, one after the other in the order of `plugins` (and of each
 * plugin's list), each within `timeoutMs`; what each returns is checked like a generator's files
 * (the packs' path rule, no path twice) and bounded (POST_PROCESS_LIMITS). A failure is PLUGIN_FAILED
 * naming the plugin and the post-processor.
 */
export async function postProcess(
  processors: readonly NamedPostProcessor[],
  language: Language,
  files: GeneratedFile[],
  timeoutMs: number,
): Promise<GeneratedFile[]> {
  let current = files;
  for (const { plugin, processor } of processors) {
    if (processor.languages && !processor.languages.includes(language)) continue;
    const fail = (reason: string, cause?: unknown) =>
      new PluginError(
        { code: PluginErrorCode.FAILED, plugin, reason },
        `plugin ${plugin} post-processor ${processor.name} failed: ${reason.slice(0, 500)}`,
        { cause },
      );
    const given = current.map((f) => ({ path: f.path, content: f.content }));
    const bytes = given.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        Promise.resolve().then(() => processor.process(language, given)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(fail(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      current = checkedFiles(
        answer,
        (m) => fail(m),
        Math.min(POST_PROCESS_LIMITS.maxBytes, 2 * bytes + POST_PROCESS_LIMITS.slackBytes),
      );
    } catch (e) {
      if (e instanceof PluginError) throw e;
      throw fail(`threw: ${(e as Error)?.message ?? String(e)}`, e);
    } finally {
      clearTimeout(timer);
    }
  }
  return current;
}
