import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResolvedRegistry } from '../semconv/index.js';
import type { RenderTargetResult, TargetLimits } from './engine.js';
import { WeaverForgeError, WeaverForgeErrorCode, type WeaverForgeErrorType } from './errors.js';
import { toWeaverRegistry } from './resolved.js';

export {
  availableTargets,
  type GeneratedFile,
  type RenderTargetResult,
  type TargetLimits,
} from './engine.js';
export { WeaverForgeError, WeaverForgeErrorCode, type WeaverForgeErrorType } from './errors.js';
export { toWeaverRegistry, type WeaverRegistry } from './resolved.js';

/**
 * Weaver compatibility: renders a Weaver template set (`templates/registry/<target>/` with
 * weaver.yaml, Jinja templates and jq filters) against a resolved registry, as `weaver registry
 * generate` does. A template set is code from someone else: it runs in a worker thread with a time
 * limit (a jq filter cannot be interrupted otherwise), minijinja's fuel per render, and bounds on
 * the files and bytes it may produce.
 */
export interface WeaverForge {
  generate(req: GenerateRequest): Promise<RenderTargetResult>;
}

export interface GenerateRequest {
  registry: ResolvedRegistry;
  templatesRoot: string;
  target: string;
  params?: Record<string, unknown>;
}

export interface WeaverForgeInit {
  /** the whole render, jq filters included (default 120 s) */
  timeMs?: number;
  limits?: Partial<TargetLimits>;
}

export const DEFAULT_TARGET_LIMITS: TargetLimits = {
  fuel: 2_000_000_000,
  outputBytes: 512 * 1024 * 1024,
  files: 20_000,
  templateBytes: 4 * 1024 * 1024,
};

export function createWeaverForge(init: WeaverForgeInit = {}): WeaverForge {
  const timeMs = init.timeMs ?? 120_000;
  const limits = { ...DEFAULT_TARGET_LIMITS, ...init.limits };
  return {
    generate(req) {
      const worker = new Worker(workerFile(), {
        workerData: {
          registry: JSON.stringify(toWeaverRegistry(req.registry)),
          templatesRoot: req.templatesRoot,
          target: req.target,
          params: req.params ?? {},
          limits,
        },
      });
      return new Promise<RenderTargetResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          void worker.terminate();
          reject(
            new WeaverForgeError(
              { code: WeaverForgeErrorCode.LIMIT_EXCEEDED, limit: 'timeMs', value: timeMs },
              `the template set ran past ${timeMs} ms (an endless loop in a jq filter or a template?)`,
            ),
          );
        }, timeMs);
        worker.once(
          'message',
          (m: {
            ok: boolean;
            result?: RenderTargetResult;
            error?: { type?: WeaverForgeErrorType; message: string };
          }) => {
            clearTimeout(timer);
            void worker.terminate();
            if (m.ok && m.result) resolve(m.result);
            else if (m.error?.type) reject(new WeaverForgeError(m.error.type, m.error.message));
            else reject(new Error(m.error?.message ?? 'the template worker failed'));
          },
        );
        worker.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
    },
  };
}

/** the compiled worker (dist) next to this file; under vitest (sources) the dist copy */
function workerFile(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/node/weaver/worker.js', import.meta.url);
}
