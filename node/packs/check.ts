import { join } from 'node:path';
import { isWeaverError } from '../../errors/index.js';
import {
  createRenderBudget,
  DEFAULT_LIMITS,
  GenerationErrorCode,
  generateWithPack,
  type Language,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../generation/index.js';
import { paramCombinations } from '../optimizer/arms.js';
import { packageRoot } from '../paths.js';
import { loadRegistryOffThread } from '../semconv/index.js';
import type { Validator } from '../validation/index.js';
import { type Pack, PackError, PackErrorCode } from './index.js';

/**
 * What publish and install do before a pack becomes anyone's arm: the pack is untrusted (a
 * stranger's, or about to be sent to strangers), so it is rendered on the bundled example registry
 * (examples/shop) in every variant, in the render process pool under its budgets, and the default
 * variant's output is compiled with the real toolchain of the language the manifest claims. Any
 * failure refuses the pack with PACK_REFUSED and the check that failed; nothing here runs a
 * template on the event loop.
 */
export interface PackCheck {
  /** variants rendered (param combinations), files and characters of the default variant's output */
  variants: number;
  files: number;
  chars: number;
  /** the toolchain's verdict on the default variant: passed, or not_validated (tool missing) */
  compile: { status: 'passed' | 'not_validated'; tool: string; reason?: string };
  /** the quality score of the default variant on the example registry */
  quality: number;
  /** what was not checked, in words */
  notes: string[];
}

export interface CheckDeps {
  validator: Validator;
  /** render time all variants may take together (default: the pool's generation budget) */
  renderBudgetMs?: number;
  /** toolchain time limit */
  toolTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Variants rendered at most (their product grows fast); beyond, the first ones and a note. */
export const MAX_CHECKED_VARIANTS = 64;

/** The bundled example registry every pack is tried on. */
export const EXAMPLE_REGISTRY = join(packageRoot(), 'examples', 'shop');

let example: Promise<TemplateRegistry> | undefined;

function exampleRegistry(): Promise<TemplateRegistry> {
  example ??= loadRegistryOffThread(EXAMPLE_REGISTRY)
    .then((loaded) => toTemplateRegistry(loaded.registry))
    .catch((e) => {
      example = undefined;
      throw e;
    });
  return example;
}

/**
 * Inside a Liquid tag or output (`{{ ... }}`, `{% ... %}`), a word that reaches for an object's
 * prototype. The renderer reads own properties only, so such a read finds nothing; a pack that
 * tries it is refused by name rather than left to render blanks.
 */
const TAG = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const PROTO =
  /(?:^|[^A-Za-z0-9_$])(__proto__|prototype|constructor|__defineGetter__|__lookupGetter__)(?![A-Za-z0-9_$])/;

export function prototypeAccess(pack: Pack): { template: string; line: number; word: string } | undefined {
  for (const [template, text] of Object.entries(pack.templates)) {
    for (const m of text.matchAll(TAG)) {
      const hit = PROTO.exec(m[0]);
      if (hit) {
        const line = text.slice(0, m.index).split('\n').length;
        return { template, line, word: hit[1] };
      }
    }
  }
  return undefined;
}

const refused = (pack: Pack, check: string, message: string) =>
  new PackError(
    { code: PackErrorCode.REFUSED, pack: pack.manifest.name, check },
    `pack ${pack.manifest.name} ${pack.manifest.version} refused (${check}): ${message}`,
  );

/** Which check a render failure is: its budget, its output path, or the template itself. */
function renderCheck(e: unknown): string {
  if (!isWeaverError(e)) return 'render';
  switch (e.code) {
    case GenerationErrorCode.LIMIT_EXCEEDED:
      return 'render-limit';
    case GenerationErrorCode.BAD_OUTPUT_PATH:
      return 'output-path';
    default:
      return 'render';
  }
}

/** Renders every variant on the example registry and compiles the default one; throws PACK_REFUSED. */
export async function checkPack(pack: Pack, deps: CheckDeps): Promise<PackCheck> {
  const m = pack.manifest;
  const notes: string[] = [];
  if (m.kind !== 'template')
    throw refused(
      pack,
      'kind',
      `a ${m.kind} pack cannot be checked without a model; only template packs are published and installed`,
    );
  const proto = prototypeAccess(pack);
  if (proto)
    throw refused(
      pack,
      'prototype-access',
      `template ${proto.template} line ${proto.line} reads \`${proto.word}\`, which reaches for an object's prototype`,
    );
  const model = await exampleRegistry();
  const all = paramCombinations(pack);
  const variants = all.slice(0, MAX_CHECKED_VARIANTS);
  if (all.length > variants.length)
    notes.push(`${variants.length} of ${all.length} variants rendered (the first ones, defaults first)`);
  const budget = createRenderBudget(deps.renderBudgetMs);
  let first: Awaited<ReturnType<typeof generateWithPack>> | undefined;
  for (const params of variants) {
    if (deps.signal?.aborted) throw refused(pack, 'cancelled', 'the check was cancelled');
    let gen: Awaited<ReturnType<typeof generateWithPack>>;
    try {
      gen = await generateWithPack(pack, model, params, DEFAULT_LIMITS, { budget, signal: deps.signal });
    } catch (e) {
      const which = Object.keys(params).length ? ` with ${JSON.stringify(params)}` : '';
      throw refused(
        pack,
        renderCheck(e),
        `rendering the example registry${which} failed: ${(e as Error).message}`,
      );
    }
    if (gen.files.length === 0)
      throw refused(
        pack,
        'empty',
        `rendering the example registry with ${JSON.stringify(params)} wrote no file`,
      );
    first ??= gen;
  }
  if (!first) throw refused(pack, 'empty', 'the pack has no variant to render');
  const validation = await deps.validator.validate(
    { language: m.language as Language, files: first.files, model, scope: first.scope },
    { timeoutMs: deps.toolTimeoutMs, signal: deps.signal },
  );
  const t = validation.toolchain;
  if (t.status === 'failed') {
    const shown = t.diagnostics
      .filter((d) => d.severity === 'error')
      .slice(0, 3)
      .map((d) => `${d.file}:${d.line}:${d.column} ${d.message.split('\n')[0].slice(0, 200)}`);
    throw refused(
      pack,
      'compile',
      `its ${m.language} output for the example registry does not compile with ${t.tool}: ${t.reason ?? `${t.errors} error${t.errors === 1 ? '' : 's'}`}${shown.length ? `; ${shown.join('; ')}` : ''}`,
    );
  }
  if (t.status === 'not_validated')
    notes.push(
      `not compiled: ${t.reason ?? `${t.tool} not available`} (the pack's language could not be confirmed)`,
    );
  return {
    variants: variants.length,
    files: first.files.length,
    chars: first.files.reduce((n, f) => n + f.content.length, 0),
    compile: { status: t.status, tool: t.tool, ...(t.reason ? { reason: t.reason } : {}) },
    quality: validation.quality.q,
    notes,
  };
}
