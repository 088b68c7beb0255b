import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { table } from '../cli/render/table.js';
import {
  closeRenderPool,
  type GeneratedFile,
  generateWithPack,
  LANGUAGES,
  type Language,
  toTemplateRegistry,
} from '../node/generation/index.js';
import { findPack } from '../node/packs/index.js';
import { packageRoot } from '../node/paths.js';
import { listRegistryFiles } from '../node/semconv/files.js';
import {
  closeRegistryLoader,
  loadRegistry,
  loadRegistryOffThread,
  parseCache,
} from '../node/semconv/index.js';
import { createValidator } from '../node/validation/index.js';
import { median, ms, ratio } from './stats.js';

/**
 * Generation benchmark. The baseline is a plain YAML parse of the same files (the `yaml` package,
 * texts already in memory), measured in the same run. A generation is timed the way the node runs
 * it: load and resolve in its load worker, render in its render pool, write the files.
 *
 * - cold: a registry this node has not seen (load workers and render processes started afresh, then
 *   warmed on the project's example so that process start-up and template parsing are left out:
 *   a running node has those behind it);
 * - regeneration: the same registry again after one attribute's brief was edited in one file (what
 *   the node keeps: parsed files in the load worker, partial renders in the render process);
 * - five languages together: one load, the five renders at once in the pool.
 */
export async function benchGeneration(registryDir: string, runs: number, label = registryDir): Promise<void> {
  const { definitions } = await listRegistryFiles(registryDir);
  const texts = await Promise.all(definitions.map((f) => readFile(f, 'utf8')));
  const parseMs = await median(() => texts.map((t) => parse(t)), runs);
  const resolveMs = await median(() => {
    parseCache.clear();
    return loadRegistry(registryDir, { check: false });
  }, runs);
  const checkMs = await median(() => {
    parseCache.clear();
    return loadRegistry(registryDir);
  }, runs);
  const { registry } = await loadRegistry(registryDir, { check: false });
  const model = toTemplateRegistry(registry);

  // the registry is copied so that one of its files can be edited; dependencies beside it come along
  const work = await mkdtemp(join(tmpdir(), 'weavergen-bench-'));
  const dir = join(work, 'registry');
  await cp(registryDir, dir, { recursive: true });
  await copyDependencies(registryDir, work);
  const edit = await editableBrief(dir);
  const out = join(work, 'out');
  const example = join(packageRoot(), 'examples', 'shop');
  const rows: (string | number)[][] = [];
  let together = Number.NaN;
  try {
    for (const language of LANGUAGES) {
      const cold: Timing[] = [];
      const again: Timing[] = [];
      for (let i = 0; i < runs; i++) {
        await coldNode(example, [language]);
        await edit.restore();
        cold.push(await generation(dir, [language], out));
        await edit.apply(i);
        again.push(await generation(dir, [language], out));
      }
      const c = medianTiming(cold);
      const r = medianTiming(again);
      rows.push([
        language,
        c.files,
        ms(c.resolve),
        ms(c.render),
        ms(c.write),
        ms(c.total),
        ratio(c.total, parseMs),
        c.total / parseMs <= 1.5 ? 'met' : 'NOT met',
        ms(r.total),
        ratio(r.total, c.total),
        r.total / c.total <= 0.3 ? 'met' : 'NOT met',
      ]);
    }
    const all: number[] = [];
    for (let i = 0; i < runs; i++) {
      await coldNode(example, [...LANGUAGES]);
      await edit.restore();
      all.push((await generation(dir, [...LANGUAGES], out)).total);
    }
    together = all.sort((a, b) => a - b)[Math.floor(all.length / 2)];
  } finally {
    closeRenderPool();
    closeRegistryLoader();
    await rm(work, { recursive: true, force: true });
  }

  console.log(
    `\n## generation: ${label} (${definitions.length} files, ${model.attributes.length} attributes, ${model.metrics.length} metrics), median of ${runs}`,
  );
  console.log(`baseline  plain YAML parse of the same files: ${ms(parseMs)}`);
  console.log(
    `resolve   load + resolve, in this process, nothing kept (position-aware parse included): ${ms(resolveMs)} = ${ratio(resolveMs, parseMs)} parse`,
  );
  console.log(
    `check     load + resolve + all checks, nothing kept: ${ms(checkMs)} = ${ratio(checkMs, parseMs)} parse\n`,
  );
  console.log(
    table(
      [
        'language',
        'files',
        'resolve',
        'render',
        'write',
        'cold total',
        '/ parse',
        '<= 1.5x',
        `regeneration (${edit.what})`,
        '/ cold',
        '<= 0.3x',
      ],
      rows,
    ),
  );
  console.log(
    `\nfive languages together (one load, renders at once in the pool): ${ms(together)} = ${ratio(together, parseMs)} parse (goal <= 3x: ${together / parseMs <= 3 ? 'met' : 'NOT met'})`,
  );
  await validationTimes(model);
}

interface Timing {
  resolve: number;
  render: number;
  write: number;
  total: number;
  files: number;
}

/** One generation as the node runs it: load in its worker, render the languages at once in its pool, write. */
async function generation(dir: string, languages: Language[], out: string): Promise<Timing> {
  const t0 = performance.now();
  const { registry } = await loadRegistryOffThread(dir, { check: false });
  const model = toTemplateRegistry(registry);
  const t1 = performance.now();
  const generated = await Promise.all(
    languages.map(async (language) => generateWithPack(await findPack(language), model)),
  );
  const t2 = performance.now();
  let files = 0;
  for (const [i, gen] of generated.entries()) {
    await writeAll(join(out, languages[i]), gen.files);
    files += gen.files.length;
  }
  const t3 = performance.now();
  return { resolve: t1 - t0, render: t2 - t1, write: t3 - t2, total: t3 - t0, files };
}

async function writeAll(root: string, files: GeneratedFile[]): Promise<void> {
  const folders = new Set(files.map((f) => dirname(join(root, f.path))));
  await Promise.all([...folders].map((d) => mkdir(d, { recursive: true })));
  await Promise.all(files.map((f) => writeFile(join(root, f.path), f.content)));
}

/** A node that has run for a while, but not on this registry: fresh workers, warmed on another registry. */
async function coldNode(example: string, languages: Language[]): Promise<void> {
  closeRenderPool();
  closeRegistryLoader();
  const { registry } = await loadRegistryOffThread(example, { check: false });
  const model = toTemplateRegistry(registry);
  await Promise.all(languages.map(async (l) => generateWithPack(await findPack(l), model)));
}

function medianTiming(xs: Timing[]): Timing {
  const sorted = [...xs].sort((a, b) => a.total - b.total);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The first attribute brief of the first file (by name) that has one: `apply(i)` appends a
 * different word each time (so nothing is served from a previous edit), `restore` puts it back.
 */
async function editableBrief(dir: string) {
  const { definitions } = await listRegistryFiles(dir);
  for (const file of definitions.sort()) {
    const text = await readFile(file, 'utf8');
    // a plain one-line brief (not a block scalar or a quoted one, which an appended word would break)
    const m = /\n(\s+)brief: ([^\n>|"'][^\n]*)/.exec(text.slice(text.indexOf('attributes:')));
    if (!m || text.indexOf('attributes:') < 0) continue;
    const at = text.indexOf('attributes:') + m.index;
    const line = m[0];
    return {
      what: `one brief in ${file.slice(dir.length + 1)}`,
      apply: (i: number) =>
        writeFile(
          file,
          `${text.slice(0, at)}${line.replace(/\s*$/, ` (edit ${i + 1})`)}${text.slice(at + line.length)}`,
        ),
      restore: () => writeFile(file, text),
    };
  }
  throw new Error(`no attribute brief to edit in ${dir}`);
}

/** Local dependencies named in the manifest as sibling folders (`registry_path: ../x`), copied beside the copy. */
async function copyDependencies(registryDir: string, work: string): Promise<void> {
  const manifest = await readFile(join(registryDir, 'registry_manifest.yaml'), 'utf8').catch(() => '');
  for (const m of manifest.matchAll(/registry_path:\s*["']?\.\.\/([^\s"'/]+)/g))
    await cp(join(dirname(registryDir), m[1]), join(work, m[1]), { recursive: true });
}

/** What validating the cold output takes, once per language (compilers are not part of the goals above). */
async function validationTimes(model: ReturnType<typeof toTemplateRegistry>): Promise<void> {
  const validator = createValidator();
  const rows: string[][] = [];
  for (const language of LANGUAGES) {
    const gen = await generateWithPack(await findPack(language), model);
    const started = performance.now();
    const v = await validator.validate({ language, files: gen.files, model, scope: gen.scope });
    rows.push([language, ms(performance.now() - started), v.toolchain.status, v.quality.q.toFixed(3)]);
  }
  closeRenderPool();
  console.log(`\nvalidation of the default output (1 run)\n`);
  console.log(table(['language', 'validate', 'status', 'quality'], rows));
}
