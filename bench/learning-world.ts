import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  type GeneratedFile,
  generateWithPack,
  type Language,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../node/generation/index.js';
import { contextKey, contextOf, type GenerationContext } from '../node/learning/context.js';
import { type Arm, armOf, enumerateArms } from '../node/optimizer/index.js';
import { builtinPacks, loadPackDir, type Pack } from '../node/packs/index.js';
import { packageRoot } from '../node/paths.js';
import { loadRegistry } from '../node/semconv/index.js';
import { createValidator, type QualityComponents } from '../node/validation/index.js';

/**
 * The benchmark's world, all real: contexts are subsets of the real registry by root namespace,
 * arms are the built-in packs with every param combination plus deliberately weak arms, and each
 * (context, arm) quality is measured once with the real validators.
 */
export interface BenchContext {
  label: string;
  key: string;
  context: GenerationContext;
  model: TemplateRegistry;
  arms: Arm[];
  /** the measured quality of each arm, by arm key */
  quality: Map<string, { q: number; components: QualityComponents; status: string }>;
  best: number;
}

/** Subsets chosen for different sizes and shapes: no enums/templates/metrics; everything; medium without templates. */
export const SUBSETS: { label: string; roots: string[] }[] = [
  { label: 'url+user+server+client', roots: ['url', 'user', 'server', 'client'] },
  { label: 'http', roots: ['http'] },
  { label: 'gen_ai', roots: ['gen_ai'] },
];
export const LANGUAGES: Language[] = ['typescript', 'python', 'go'];

/** A simulated model with an output limit: every file is cut at 16 KiB, so big contexts fail to compile. */
export const TRUNCATING_MODEL = 'sim-truncated-16k';
const TRUNCATE_AT = 16 * 1024;

export function subset(full: TemplateRegistry, roots: string[]): TemplateRegistry {
  const keep = new Set(roots);
  const inside = (x: { root_namespace: string }) => keep.has(x.root_namespace);
  return {
    ...full,
    attributes: full.attributes.filter(inside),
    metrics: full.metrics.filter(inside),
    events: full.events.filter(inside),
    namespaces: full.namespaces.filter((n) => keep.has(n.name)),
  };
}

export async function buildWorld(
  registryDir: string,
  concurrency = 2,
): Promise<{ contexts: BenchContext[]; validations: number; ms: number }> {
  const started = performance.now();
  const full = toTemplateRegistry((await loadRegistry(registryDir, { check: false })).registry);
  const naive = await loadPackDir(join(packageRoot(), 'bench', 'packs', 'naive-typescript'));
  const packs: Pack[] = [...(await builtinPacks()), naive];
  const packByName = new Map(packs.map((p) => [p.manifest.name, p]));

  const contexts: BenchContext[] = [];
  for (const language of LANGUAGES) {
    const own = packs.filter((p) => p.manifest.language === language);
    const official = own.find((p) => p.origin === 'builtin') as Pack;
    const defaults = Object.fromEntries(
      Object.entries(official.manifest.params).map(([k, s]) => [k, s.default]),
    );
    const arms = [...enumerateArms(own), armOf(official, defaults, TRUNCATING_MODEL)];
    for (const s of SUBSETS) {
      const model = subset(full, s.roots);
      const context = contextOf(model, language, 'builtin');
      contexts.push({
        label: s.label,
        key: contextKey(context),
        context,
        model,
        arms,
        quality: new Map(),
        best: 0,
      });
    }
  }

  // identical outputs (the same files) are validated once
  const validator = createValidator();
  const byOutput = new Map<string, Promise<{ q: number; components: QualityComponents; status: string }>>();
  const jobs = contexts.flatMap((c) => c.arms.map((arm) => ({ c, arm })));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { c, arm } = jobs[next++];
      const gen = await generateWithPack(packByName.get(arm.packName) as Pack, c.model, arm.params);
      const files: GeneratedFile[] =
        arm.model === TRUNCATING_MODEL
          ? gen.files.map((f) => ({ ...f, content: f.content.slice(0, TRUNCATE_AT) }))
          : gen.files;
      const hash = createHash('sha256')
        .update(`${c.context.language}\n${c.key}\n${JSON.stringify(files)}`)
        .digest('hex');
      let measured = byOutput.get(hash);
      if (!measured) {
        measured = validator
          .validate({ language: c.context.language, files, model: c.model, scope: gen.scope })
          .then((r) => ({ q: r.quality.q, components: r.quality.components, status: r.toolchain.status }));
        byOutput.set(hash, measured);
      }
      c.quality.set(arm.key, await measured);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (const c of contexts) c.best = Math.max(...[...c.quality.values()].map((x) => x.q));
  return { contexts, validations: byOutput.size, ms: performance.now() - started };
}
