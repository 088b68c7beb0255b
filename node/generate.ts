import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  generateWithPack,
  type Language,
  type TemplateRegistry,
  toTemplateRegistry,
} from './generation/index.js';
import { findPack, type Pack, PackError, PackErrorCode, resolveParams } from './packs/index.js';
import { loadRegistry } from './semconv/index.js';
import {
  createValidator,
  type ValidationResult,
  type Validator,
  validationStatus,
} from './validation/index.js';

export interface GenerateRequest {
  registry: string;
  languages: Language[];
  /** output root; files go to <out>/<language>/ */
  out?: string;
  /** pack name or folder; with several languages, a pack applies only to its own language */
  pack?: string;
  params?: Record<string, string>;
  validate?: boolean;
}

export type GeneratePhase = 'render' | 'validate' | 'write' | 'done' | 'failed';

export interface GenerateProgress {
  language: Language;
  phase: GeneratePhase;
  step: number;
  steps: number;
}

export interface LanguageResult {
  language: Language;
  pack: { name: string; version: string };
  params: Record<string, string>;
  files: { path: string; bytes: number }[];
  outDir?: string;
  symbols: { expected: number; found: number };
  validation: {
    status: 'passed' | 'failed' | 'not_validated' | 'skipped';
    summary: string;
    errors: number;
    warnings: number;
    diagnostics: ValidationResult['toolchain']['diagnostics'];
  };
  quality?: ValidationResult['quality'];
  timings: { renderMs: number; validateMs: number; writeMs: number };
  error?: string;
}

export interface GenerateResult {
  registry: { root: string; attributes: number; metrics: number; events: number; errors: number };
  languages: LanguageResult[];
  timings: { resolveMs: number; totalMs: number };
  /** set when a running node did the work */
  generation?: { id: string; status: string; traceId?: string };
}

/**
 * One request, several languages: load + resolve the registry once, then per language render the
 * pack, validate with the real toolchain and write the files. Errors in one language do not stop
 * the others; they come back in that language's result.
 */
export async function generateProject(
  req: GenerateRequest,
  onProgress: (p: GenerateProgress) => void = () => {},
  validator: Validator = createValidator(),
): Promise<GenerateResult> {
  const started = performance.now();
  const loaded = await loadRegistry(req.registry, { check: false });
  const model = toTemplateRegistry(loaded.registry);
  const resolveMs = performance.now() - started;
  const packs = await Promise.all(req.languages.map((l) => findPackFor(l, req.pack)));
  for (const name of Object.keys(req.params ?? {})) {
    if (!packs.some((p) => name in p.manifest.params)) {
      const known = [...new Set(packs.flatMap((p) => Object.keys(p.manifest.params)))].join(', ');
      throw new PackError(
        PackErrorCode.BAD_PARAM,
        `no pack of this request has a param "${name}" (known: ${known})`,
      );
    }
  }
  // a bad value is the request's fault, not one language's: refuse it before any work
  for (const p of packs) resolveParams(p.manifest, paramsFor(p, req.params));
  const results = await Promise.all(
    req.languages.map((language, i) =>
      generateLanguage(language, packs[i], model, req, onProgress, validator),
    ),
  );
  return {
    registry: {
      root: loaded.registry.root,
      attributes: model.attributes.length,
      metrics: model.metrics.length,
      events: model.events.length,
      errors: loaded.errors,
    },
    languages: results,
    timings: { resolveMs, totalMs: performance.now() - started },
  };
}

async function generateLanguage(
  language: Language,
  pack: Pack,
  model: TemplateRegistry,
  req: GenerateRequest,
  onProgress: (p: GenerateProgress) => void,
  validator: Validator,
): Promise<LanguageResult> {
  const steps = req.out ? 3 : 2;
  const progress = (phase: GeneratePhase, step: number) => onProgress({ language, phase, step, steps });
  const timings = { renderMs: 0, validateMs: 0, writeMs: 0 };
  const base = {
    language,
    pack: { name: '', version: '' },
    params: {},
    files: [],
    symbols: { expected: 0, found: 0 },
    timings,
  };
  try {
    progress('render', 0);
    const gen = await generateWithPack(pack, model, paramsFor(pack, req.params));
    timings.renderMs = gen.durationMs;
    let validation: ValidationResult | undefined;
    if (req.validate ?? true) {
      progress('validate', 1);
      validation = await validator.validate({ language, files: gen.files, model, scope: gen.scope });
      timings.validateMs = validation.durationMs;
    }
    let outDir: string | undefined;
    if (req.out) {
      progress('write', 2);
      const t = performance.now();
      outDir = resolve(req.out, language);
      for (const f of gen.files) {
        const full = join(outDir, f.path);
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, f.content);
      }
      timings.writeMs = performance.now() - t;
    }
    progress('done', steps);
    return {
      ...base,
      pack: { name: gen.pack.name, version: gen.pack.version },
      params: gen.params,
      files: gen.files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content) })),
      outDir,
      symbols: validation
        ? { expected: validation.symbols.expected, found: validation.symbols.found }
        : { expected: 0, found: 0 },
      validation: validation
        ? {
            status: validation.toolchain.status,
            summary: validationStatus(validation.toolchain),
            errors: validation.toolchain.errors,
            warnings: validation.toolchain.warnings,
            diagnostics: validation.toolchain.diagnostics.slice(0, 20),
          }
        : { status: 'skipped', summary: 'skipped (--no-validate)', errors: 0, warnings: 0, diagnostics: [] },
      quality: validation?.quality,
    };
  } catch (e) {
    progress('failed', steps);
    const message = (e as Error).message ?? String(e);
    return {
      ...base,
      validation: {
        status: 'failed',
        summary: `failed: ${message}`,
        errors: 1,
        warnings: 0,
        diagnostics: [],
      },
      error: message,
    };
  }
}

/** A param applies to every pack of the request that declares it. */
function paramsFor(pack: Pack, params: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => k in pack.manifest.params));
}

/** `--pack` names one pack; other languages of the same request use their default pack. */
async function findPackFor(language: Language, name?: string) {
  if (name) {
    const pack = await findPack(language, name);
    if (pack.manifest.language === language) return pack;
  }
  return findPack(language);
}
