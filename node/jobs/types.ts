import { z } from 'zod';
import type { Diagnostic } from '../semconv/index.js';
import type { QualityComponents, ToolDiagnostic } from '../validation/index.js';

/** A generation request as the API and CLI send it (schema-checked: it comes from outside). */
export const GenerationRequestSchema = z
  .object({
    registry: z.string().min(1).max(4096),
    languages: z
      .array(z.enum(['typescript', 'python', 'go', 'rust', 'java']))
      .min(1)
      .max(5),
    out: z.string().min(1).max(4096).optional(),
    pack: z.string().min(1).max(200).optional(),
    /** param names are a pack's (lowercase, digits, `_`): anything else is no param of any pack */
    params: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a param name: lowercase letters, digits and _'),
        z.string().max(64),
      )
      .optional(),
    candidates: z.number().int().min(1).max(8).optional(),
    /** only these generators (`builtin`, `openai:gpt-4o-mini`, ...); default every configured one */
    models: z.array(z.string().min(1).max(200)).min(1).max(16).optional(),
    /** false: no toolchain runs (symbols are still checked); one candidate, no loop, nothing learned */
    validate: z.boolean().optional(),
    /** generate even when the registry has check errors (the record keeps them) */
    allowErrors: z.boolean().optional(),
  })
  .strict();

export type GenerationRequest = z.infer<typeof GenerationRequestSchema>;

export type GenerationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface CandidateSummary {
  arm: { key: string; packName: string; params: Record<string, string>; model: string };
  q: number;
  status: string;
  summary: string;
  cached: boolean;
  /** a first answer, or a model's answer to feedback */
  attempt?: 'first' | 'correction';
  /** quality predicted before it ran, from the learned outcomes (see node/learning/predict.ts) */
  predicted?: number;
  /** outcomes behind that prediction at its most specific level; 0 means the prior alone */
  predictedFrom?: number;
  spanId: string;
  error?: string;
}

export interface LanguageOutcome {
  language: string;
  context: string;
  winner?: CandidateSummary & {
    components: QualityComponents;
    /** each written file with its size and sha-256 (the files route serves only these exact bytes) */
    files: { path: string; bytes: number; sha256?: string }[];
    symbols: { expected: number; found: number };
    validation: {
      status: string;
      summary: string;
      errors: number;
      warnings: number;
      diagnostics: ToolDiagnostic[];
    };
  };
  candidates: CandidateSummary[];
  agreement: number;
  reason: string;
  /** reasoning-loop rounds used */
  rounds?: number;
  outDir?: string;
}

/** The registry check of a generation: refused when it has errors, unless the request allowed them. */
export interface RegistryCheck {
  errors: number;
  warnings: number;
  /** the located errors and warnings, as `weavergen registry check` prints them (at most 200) */
  diagnostics: Diagnostic[];
  /** true when the request went on despite errors (`allowErrors`) */
  allowed: boolean;
}

export interface GenerationRecord {
  id: string;
  status: GenerationStatus;
  request: GenerationRequest;
  registry?: { root: string; attributes: number; metrics: number; events: number; errors: number };
  check?: RegistryCheck;
  /** served from the cache: the generation whose results (and decisions) these are */
  cachedFrom?: string;
  /** where the files were written: `<out>/<language>/` (the request's out, else `<home>/out/<id>`) */
  out?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  traceId?: string;
  languages: LanguageOutcome[];
  error?: string;
  /** the error's code when the whole generation failed (e.g. `GENERATION_REGISTRY_INVALID`) */
  errorCode?: string;
  /** `prediction`: run ahead by the node after its registry changed (node/prediction), not asked by a user */
  origin?: 'prediction';
}

/** A decision with its reason and the spans that are its evidence (DESIGN.md: every decision is recorded). */
export interface DecisionRecord {
  generationId: string;
  step: string;
  choice: string;
  alternatives: string[];
  reason: string;
  evidence: string[];
  at: number;
}

/** Where a decision is stored in the `decisions` sublevel: a generation's (or task's) in time order. */
export const decisionKey = (d: Pick<DecisionRecord, 'generationId' | 'at' | 'step'>) =>
  `gen!${d.generationId}!${String(d.at).padStart(15, '0')}!${d.step}`;

export type GenerationEvent =
  | { type: 'status'; id: string; status: GenerationStatus }
  | { type: 'progress'; id: string; language: string; phase: string; detail?: string }
  | { type: 'result'; id: string; record: GenerationRecord };
