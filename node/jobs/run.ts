import { join } from 'node:path';
import { type Context, ROOT_CONTEXT, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { isWeaverError } from '../../errors/index.js';
import { type GeneratedFile, toTemplateRegistry } from '../generation/index.js';
import type { GenerationContext } from '../learning/context.js';
import type { QualityPredictor } from '../learning/predict.js';
import { type Arm, packIdOf } from '../optimizer/arms.js';
import type { Orchestra } from '../orchestra/index.js';
import type { Pack } from '../packs/index.js';
import {
  type DependencyScope,
  loadRegistryOffThread,
  registryContentHashOffThread,
  SemconvErrorCode,
} from '../semconv/index.js';
import { ATTR, SPAN } from '../telemetry/conventions.js';
import { fromFolder, namedPack } from './arms.js';
import type { OutputPolicy } from './check-request.js';
import { runLanguage } from './language.js';
import { writeOutput } from './output.js';
import { type CachedRequest, type RequestCache, requestKey } from './request-cache.js';
import type { DecisionRecord, GenerationRecord } from './types.js';

export { armsFor } from './arms.js';
export { type CachedRequest, type RequestCache, requestKey } from './request-cache.js';

/** What a run needs from the node: the tracer, the orchestra, and the optimizer's choice. */
export interface RunComponents {
  tracer: Tracer;
  orchestra: Orchestra;
  /** picks k arms among `arms` for the context; returns them with the reason (the optimizer) */
  choose(
    context: GenerationContext,
    arms: Arm[],
    k: number,
  ): Promise<{ chosen: Arm[]; reason: string; alternatives: string[] }>;
  decide(d: DecisionRecord): Promise<void>;
  /** asks for a promotion review of this context's arms once the generation's evidence is in */
  review(context: GenerationContext, arms: Arm[]): void;
  /** the configured model generators' ids (e.g. `openai:gpt-4o-mini`), narrowed to `only` when a request names models */
  llmModels(only?: string[]): string[];
  /** predicts a candidate's quality before it runs, from the learned outcomes */
  predictor(): Promise<QualityPredictor>;
  /** the packs installed on this node (fetched and checked, or published here): arms like the built-in ones */
  installedPacks?(): Promise<Pack[]>;
  /** remembers a pack used from a local folder as private (peering's local-only packs) */
  localPack?(cid: string): Promise<void>;
  /**
   * what plugins do to a language's winning files before they are written (node/plugins: a license
   * header, a formatter); throws, with the plugin named, when one fails: the language is then not written
   */
  postProcess?(language: string, files: GeneratedFile[]): Promise<GeneratedFile[]>;
  /** optional request cache: an unchanged request skips resolve, render and validation */
  requests?: RequestCache;
  progress(language: string, phase: string, detail?: string): void;
}

export interface RunOptions {
  candidates: number;
  /** the reasoning loop retries while the best quality is below this */
  threshold: number;
  maxRounds: number;
  /** where a request without `out` writes: `<outRoot>/<generation id>/<language>/` */
  outRoot: string;
  /** where outputs may go: checked again when the files are written (the folder may have changed) */
  outputs?: OutputPolicy;
  /** where the registry's dependency registries may be (the tenant's folders) */
  dependencies?: DependencyScope;
  /** false: no toolchain, one candidate, no loop (the request's `validate`) */
  validate?: boolean;
  signal?: AbortSignal;
}

/** Diagnostics kept on a record: enough to fix the first problems, bounded for the store. */
const MAX_DIAGNOSTICS = 200;

/**
 * One generation: check and resolve the registry once, then per language choose arms, run the
 * candidates, pick the winner and write it. Every step is a span under one trace; every choice is a
 * decision record. A registry with check errors is refused unless the request allows them.
 */
export async function runGeneration(
  record: GenerationRecord,
  c: RunComponents,
  opts: RunOptions,
): Promise<GenerationRecord> {
  const req = record.request;
  const root = c.tracer.startSpan(
    SPAN.generation,
    { attributes: { [ATTR.generationId]: record.id, 'weavergen.languages': req.languages.join(',') } },
    ROOT_CONTEXT,
  );
  const rctx = trace.setSpan(ROOT_CONTEXT, root);
  const ids = { [ATTR.generationId]: record.id };
  const decide = (step: string, choice: string, reason: string, evidence = [root.spanContext().spanId]) =>
    c.decide({ generationId: record.id, step, choice, alternatives: [], reason, evidence, at: Date.now() });
  record.traceId = root.spanContext().traceId;
  record.out = req.out ?? join(opts.outRoot, record.id);
  try {
    // an unchanged request (same registry bytes, same languages, pack, params) is served from the cache
    // a pack folder is keyed by its content, so an edited pack is generated again
    const installed = (await c.installedPacks?.()) ?? [];
    const named = req.pack ? await namedPack(req.languages[0], req.pack, installed) : undefined;
    const packId = named ? packIdOf(named) : undefined;
    // a pack used from a folder is private: its arms never leave the node, whoever announces it
    if (named && packId && fromFolder(named)) await c.localPack?.(packId);
    // in a load worker: hashing reads the manifest's YAML, which a hostile registry makes slow
    const key = c.requests
      ? requestKey(
          await registryContentHashOffThread(req.registry, {
            signal: opts.signal,
            dependencies: opts.dependencies,
          }),
          req,
          packId,
        )
      : undefined;
    const hit = key ? await c.requests?.get(key) : undefined;
    root.setAttribute(ATTR.cached, !!hit);
    if (hit) {
      await serveCached(record, hit, c.tracer, rctx, ids, opts.outputs);
      await decide(
        'cache',
        'served from the cache',
        `same registry bytes and request as ${hit.generationId ? `generation ${hit.generationId}, whose decisions these results come from` : 'an earlier generation'}`,
      );
      return record;
    }
    const rspan = c.tracer.startSpan(SPAN.resolve, { attributes: ids }, rctx);
    // in a worker thread, within its time budget: parsing a large registry never blocks the node's API
    const loaded = await loadRegistryOffThread(req.registry, {
      signal: opts.signal,
      dependencies: opts.dependencies,
    }).finally(() => rspan.end());
    rspan.setAttributes({
      'weavergen.registry.files': loaded.registry.files.length,
      'weavergen.registry.attributes': loaded.registry.attributes.length,
      'weavergen.registry.errors': loaded.errors,
      'weavergen.registry.warnings': loaded.warnings,
    });
    const model = toTemplateRegistry(loaded.registry);
    record.registry = {
      root: loaded.registry.root,
      attributes: model.attributes.length,
      metrics: model.metrics.length,
      events: model.events.length,
      errors: loaded.errors,
    };
    if (loaded.diagnostics.length > 0)
      record.check = {
        errors: loaded.errors,
        warnings: loaded.warnings,
        diagnostics: loaded.diagnostics.slice(0, MAX_DIAGNOSTICS),
        allowed: loaded.errors > 0 && !!req.allowErrors,
      };
    if (loaded.errors > 0) {
      const what = `the registry has ${loaded.errors} check error${loaded.errors === 1 ? '' : 's'}`;
      if (!req.allowErrors) {
        record.status = 'failed';
        record.errorCode = SemconvErrorCode.INVALID_REGISTRY;
        record.error = `${what} (weavergen registry check lists them with a fix); fix them, or allow them (--allow-errors, "allowErrors": true)`;
        await decide('check', 'refuse', what);
        return record;
      }
      await decide('check', 'go on', `${what}; the request allows them (allowErrors)`);
    }
    const winners: Record<string, GeneratedFile[]> = {};
    record.languages = await Promise.all(
      req.languages.map((language) =>
        runLanguage(record, language, model, loaded.contentHash, rctx, c, opts, winners, record.out!),
      ),
    );
    const failed = record.languages.filter((l) => !l.winner || l.winner.status === 'failed');
    record.status = opts.signal?.aborted
      ? 'cancelled'
      : failed.length === record.languages.length
        ? 'failed'
        : 'succeeded';
    // a language no toolchain could judge is not a result to serve again once the tool is installed
    const unjudged =
      req.validate !== false && record.languages.some((l) => l.winner?.validation.status === 'not_validated');
    if (failed.length) record.error = failed.map((l) => `${l.language}: ${l.reason}`).join('; ');
    else if (key && !opts.signal?.aborted && !unjudged)
      await c.requests?.put(key, {
        generationId: record.id,
        registry: record.registry,
        check: record.check,
        languages: record.languages,
        files: winners,
      });
  } catch (e) {
    record.status = opts.signal?.aborted ? 'cancelled' : 'failed';
    record.error = (e as Error).message ?? String(e);
    if (isWeaverError(e)) record.errorCode = e.code;
    root.recordException(e as Error);
    root.setStatus({ code: SpanStatusCode.ERROR, message: record.error });
  } finally {
    root.setAttribute('weavergen.generation.status', record.status);
    root.end();
  }
  return record;
}

/** A cache hit: the earlier outcome, its files written again to this request's output folder. */
async function serveCached(
  record: GenerationRecord,
  hit: CachedRequest,
  tracer: Tracer,
  rctx: Context,
  ids: Record<string, string>,
  outputs: OutputPolicy | undefined,
): Promise<void> {
  record.registry = hit.registry;
  record.check = hit.check;
  record.cachedFrom = hit.generationId;
  record.languages = hit.languages.map((l) => ({
    ...l,
    outDir: undefined,
    candidates: l.candidates.map((x) => ({ ...x, cached: true })),
    ...(l.winner ? { winner: { ...l.winner, cached: true } } : {}),
  }));
  for (const l of record.languages) {
    const files = hit.files[l.language];
    if (files)
      l.outDir = await writeOutput(
        tracer,
        l.language,
        files,
        record.out!,
        rctx,
        { ...ids, [ATTR.language]: l.language, [ATTR.cached]: true },
        outputs,
      );
  }
  record.status = 'succeeded';
}
