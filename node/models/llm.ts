import { setMaxListeners } from 'node:events';
import type { GeneratedFile } from '../generation/index.js';
import { chunkRegistry, estimateTokens, type RegistryChunk, subRegistry } from './chunking.js';
import type { Limiter } from './concurrency.js';
import { ModelError, ModelErrorCode } from './errors.js';
import { extractFiles } from './extract.js';
import { routeFeedback } from './feedback.js';
import type { ChunkRecord, GenerateRequest, GenerateResult, Generator, GeneratorKind } from './index.js';
import type { Pricing } from './pricing.js';
import { createPromptRenderer, type Prompt, type PromptChunk } from './prompt.js';
import { findPromptPack } from './prompt-packs.js';

/** One chat completion through a provider's SDK: what every adapter implements. */
export interface ChatRequest {
  system: string;
  user: string;
  maxOutputTokens: number;
  signal?: AbortSignal;
  /** streamed text as it arrives (not called when streaming is off) */
  onText?: (delta: string) => void;
  /** the SDK (or the adapter) is about to retry: attempt number (2 = first retry), the status that caused it */
  onRetry?: (attempt: number, status?: number) => void;
}

export interface ChatAnswer {
  text: string;
  inputTokens: number;
  outputTokens: number;
  /** false when the server reported no usage (tokens are then estimated by the caller) */
  usageReported: boolean;
  /** stop: complete; length: cut at the token limit; refusal: declined; incomplete: the stream ended early */
  finish: 'stop' | 'length' | 'refusal' | 'incomplete';
  /** the provider's own word for it (`end_turn`, `stop`, `length`, `max_tokens`...) */
  finishDetail?: string;
  /** HTTP attempts, retries included */
  attempts: number;
}

export interface ChatClient {
  readonly kind: Exclude<GeneratorKind, 'builtin'>;
  /** the provider's model name, e.g. `gpt-4o-mini` */
  readonly model: string;
  /** `<kind>:<model>` */
  readonly id: string;
  complete(request: ChatRequest): Promise<ChatAnswer>;
  /** resolves when the server answers and knows the model; throws a ModelError saying why not */
  probe(signal?: AbortSignal): Promise<void>;
}

export interface LlmInit {
  /** tokens the model can take in and put out per request */
  contextTokens: number;
  /** output tokens asked for per request */
  maxOutputTokens: number;
  /** for the token estimate of prompts: characters per token (default 4) */
  charsPerToken?: number;
  /** expected output tokens per token of registry content in the prompt (default 1.5) */
  outputRatio?: number;
  /** at most this often a `stream` progress event (default 250 ms; 0: every delta) */
  progressIntervalMs?: number;
  limiter: Limiter;
  pricing: Pricing;
}

/** Tokens kept free of the estimate's error (chars/4 is rough for code and JSON). */
const SAFETY = 0.1;

/**
 * An LLM generator over a chat client: the registry is cut into root-namespace chunks that fit the
 * context window (the prompt, the chunk, a correction round's previous files and the answer must all
 * fit), each chunk is one prompt rendered by the prompt pack, the chunks run concurrently within the
 * provider's limit, and the answers' files are merged (plus the pack's scaffold files).
 */
export function createLlmGenerator(client: ChatClient, init: LlmInit): Generator {
  const cpt = init.charsPerToken ?? 4;
  const ratio = init.outputRatio ?? 1.5;
  const interval = init.progressIntervalMs ?? 250;
  const id = client.id;
  const tokensOf = (p: Prompt) => estimateTokens(p.system + p.user, cpt);

  const generate = async (request: GenerateRequest): Promise<GenerateResult> => {
    const started = performance.now();
    const emit: NonNullable<GenerateRequest['onProgress']> = (e) => {
      try {
        request.onProgress?.(e);
      } catch {
        // a listener's failure is not the generation's
      }
    };
    if (request.signal?.aborted) throw cancelled(id);
    const pack = request.pack ?? (await findPromptPack(request.language));
    const renderer = createPromptRenderer(pack, request.language, request.params, id);
    const model = request.model;

    // the budget: prompt overhead P, chunk content T, previous files ~rT, answer ~rT within the window
    const names = model.namespaces.map((n) => n.name);
    const plan: PromptChunk = { id: 'plan', index: 1, count: 1, namespaces: names, part: 1, parts: 1 };
    const overhead = tokensOf(renderer.prompt(subRegistry(model, []), plan));
    const usable = init.contextTokens * (1 - SAFETY) - overhead;
    const budget = Math.floor(Math.min(usable / (1 + 2 * ratio), init.maxOutputTokens / ratio));
    const chunks = chunkRegistry(model, {
      budgetTokens: budget,
      measure: (r) => tokensOf(renderer.prompt(r, plan)) - overhead,
      generator: id,
    });
    emit({ phase: 'plan', generator: id, chunks: chunks.length, budgetTokens: budget });

    const stop = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, stop.signal]) : stop.signal;
    // every queued chunk and every request listens to it (and lets go when done)
    setMaxListeners(0, signal);
    const spent = { input: 0, output: 0, estimated: false };
    type ChunkDone = { files: GeneratedFile[]; record: ChunkRecord; raw?: string };
    const runChunk = async (chunk: RegistryChunk): Promise<ChunkDone> => {
      const t0 = performance.now();
      const routed = routeFeedback(request.feedback, chunk, names, budget * cpt * ratio);
      const where = { generator: id, chunk: chunk.index, chunks: chunk.count };
      if (routed.reuse) {
        emit({ phase: 'reuse', ...where, files: routed.reuse.map((f) => f.path) });
        return {
          files: routed.reuse,
          record: record(chunk, routed.reuse, 0, 0, true, performance.now() - t0),
        };
      }
      const prompt = renderer.prompt(chunk.registry, promptChunk(chunk), routed.prompt);
      return init.limiter.run(async () => {
        const estimated = tokensOf(prompt);
        emit({ phase: 'request', ...where, estimatedInputTokens: estimated });
        let received = 0;
        let last = 0;
        const answer = await client.complete({
          ...prompt,
          maxOutputTokens: init.maxOutputTokens,
          signal,
          onText: (delta) => {
            received += delta.length;
            const now = performance.now();
            if (received === delta.length || now - last >= interval) {
              last = now;
              emit({ phase: 'stream', ...where, receivedChars: received });
            }
          },
          onRetry: (attempt, status) => emit({ phase: 'retry', ...where, attempt, status }),
        });
        const input = answer.usageReported ? answer.inputTokens : estimated;
        const output = answer.usageReported ? answer.outputTokens : estimateTokens(answer.text, cpt);
        spent.input += input;
        spent.output += output;
        spent.estimated ||= !answer.usageReported;
        if (answer.finish === 'length' || answer.finish === 'incomplete')
          throw new ModelError(
            { code: ModelErrorCode.TRUNCATED, generator: id, attempts: answer.attempts },
            answer.finish === 'length'
              ? `chunk ${chunk.id}: the answer was cut at the output limit (${init.maxOutputTokens} tokens, finish "${answer.finishDetail}"): raise maxOutputTokens or lower outputRatio to make chunks smaller`
              : `chunk ${chunk.id}: the stream ended before the answer was complete`,
          );
        if (answer.finish === 'refusal')
          throw new ModelError(
            { code: ModelErrorCode.REFUSED, generator: id },
            `chunk ${chunk.id}: the model declined to answer`,
          );
        const { files } = extractFiles(answer.text, id);
        emit({
          phase: 'answer',
          ...where,
          inputTokens: input,
          outputTokens: output,
          files: files.map((f) => f.path),
        });
        return {
          files,
          record: record(chunk, files, input, output, false, performance.now() - t0),
          raw: answer.text,
        };
      }, signal);
    };

    const settled = await Promise.allSettled(
      chunks.map((c) =>
        runChunk(c).catch((e) => {
          stop.abort(e);
          throw e;
        }),
      ),
    );
    const usage = () => ({
      inputTokens: spent.input,
      outputTokens: spent.output,
      ...init.pricing.cost(id, spent.input, spent.output),
      ...(spent.estimated ? { estimated: true as const } : {}),
    });
    const failure = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failure) {
      // the first failure aborted the others: report it, not their cancellations
      const first = stop.signal.aborted ? stop.signal.reason : failure.reason;
      const err = request.signal?.aborted ? cancelled(id) : asModelError(first, id);
      const { costUsd } = usage();
      err.type.usage = { inputTokens: spent.input, outputTokens: spent.output, costUsd };
      throw err;
    }
    const done = settled.map((s) => (s as PromiseFulfilledResult<ChunkDone>).value);
    const merged = new Map<string, { content: string; chunk: string }>();
    for (const [i, d] of done.entries()) {
      for (const f of d.files) {
        const had = merged.get(f.path);
        if (had && had.content !== f.content)
          throw new ModelError(
            { code: ModelErrorCode.DUPLICATE_FILE, generator: id, usage: usage() },
            `chunks ${had.chunk} and ${chunks[i].id} both wrote ${f.path}`,
          );
        merged.set(f.path, { content: f.content, chunk: chunks[i].id });
      }
    }
    const generated = [...merged].map(([path, v]) => ({ path, content: v.content }));
    // the pack's scaffold files are deterministic glue: they replace a model's version of the same path
    const scaffolds = renderer.scaffolds(model, generated);
    const scaffoldPaths = new Set(scaffolds.map((f) => f.path));
    const files = [...generated.filter((f) => !scaffoldPaths.has(f.path)), ...scaffolds];
    const result: GenerateResult = {
      files,
      usage: usage(),
      model: id,
      kind: client.kind,
      durationMs: performance.now() - started,
      scope: renderer.scope,
      pack: {
        name: pack.manifest.name,
        version: pack.manifest.version,
        language: pack.manifest.language,
        kind: pack.manifest.kind,
      },
      params: renderer.params,
      chunks: done.map((d) => d.record),
      raw: done.flatMap((d) => (d.raw === undefined ? [] : [d.raw])),
    };
    emit({
      phase: 'done',
      generator: id,
      files: files.length,
      usage: result.usage,
      durationMs: result.durationMs,
    });
    return result;
  };

  return {
    id,
    kind: client.kind,
    modelName: client.model,
    generate: (request) =>
      generate(request).catch((e) => {
        throw request.signal?.aborted && !(e instanceof ModelError) ? cancelled(id) : asModelError(e, id);
      }),
    probe: (signal) => client.probe(signal),
  };
}

const promptChunk = (c: RegistryChunk): PromptChunk => ({
  id: c.id,
  index: c.index,
  count: c.count,
  namespaces: c.namespaces,
  part: c.part,
  parts: c.parts,
});

function record(
  c: RegistryChunk,
  files: GeneratedFile[],
  inputTokens: number,
  outputTokens: number,
  reused: boolean,
  durationMs: number,
): ChunkRecord {
  return {
    id: c.id,
    namespaces: c.namespaces,
    files: files.map((f) => f.path),
    inputTokens,
    outputTokens,
    reused,
    durationMs,
  };
}

export const cancelled = (generator: string) =>
  new ModelError({ code: ModelErrorCode.CANCELLED, generator }, 'the generation was cancelled');

/** Anything thrown below becomes a ModelError; a pack problem keeps its message under BAD_PACK. */
export function asModelError(e: unknown, generator: string): ModelError {
  if (e instanceof ModelError) return e;
  const err = e as Error;
  if (err?.name === 'PackError' || err?.name === 'GenerationError')
    return new ModelError({ code: ModelErrorCode.BAD_PACK, generator }, err.message, { cause: e });
  return new ModelError(
    { code: ModelErrorCode.INTERNAL, generator },
    `unexpected failure: ${err?.message ?? String(e)}`,
    { cause: e },
  );
}
