import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { table } from '../cli/render/table.js';
import { generateWithPack, LANGUAGES, toTemplateRegistry } from '../node/generation/index.js';
import { findPack } from '../node/packs/index.js';
import { listRegistryFiles } from '../node/semconv/files.js';
import { loadRegistry } from '../node/semconv/index.js';
import { createValidator } from '../node/validation/index.js';
import { median, ms, ratio } from './stats.js';

/**
 * Generation benchmark on the full real registry. The baseline is a plain YAML parse of the same
 * files (the `yaml` package, texts already in memory), measured in the same run; every figure is
 * also printed as a ratio to it.
 */
export async function benchGeneration(registryDir: string, runs: number, label = registryDir): Promise<void> {
  const { definitions } = await listRegistryFiles(registryDir);
  const texts = await Promise.all(definitions.map((f) => readFile(f, 'utf8')));
  const parseMs = await median(() => texts.map((t) => parse(t)), runs);
  const resolveMs = await median(() => loadRegistry(registryDir, { check: false }), runs);
  const checkMs = await median(() => loadRegistry(registryDir), runs);
  const { registry } = await loadRegistry(registryDir, { check: false });
  const model = toTemplateRegistry(registry);
  const validator = createValidator();
  const out = await mkdtemp(join(tmpdir(), 'weavergen-bench-'));
  const rows: (string | number)[][] = [];
  try {
    for (const language of LANGUAGES) {
      const pack = await findPack(language);
      const gen = await generateWithPack(pack, model);
      const renderMs = await median(() => generateWithPack(pack, model), runs);
      const writeMs = await median(async () => {
        for (const f of gen.files) {
          const full = join(out, language, f.path);
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, f.content);
        }
      }, runs);
      const started = performance.now();
      const v = await validator.validate({ language, files: gen.files, model, scope: gen.scope });
      const validateMs = performance.now() - started;
      const total = resolveMs + renderMs + writeMs;
      rows.push([
        language,
        gen.files.length,
        ms(renderMs),
        ms(writeMs),
        ms(total),
        ratio(total, parseMs),
        ms(validateMs),
        v.toolchain.status,
        v.quality.q.toFixed(3),
      ]);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  console.log(
    `\n## generation: ${label} (${definitions.length} files, ${model.attributes.length} attributes, ${model.metrics.length} metrics), median of ${runs}`,
  );
  console.log(`baseline  plain YAML parse of the same files: ${ms(parseMs)}`);
  console.log(
    `resolve   load + resolve (position-aware parse included): ${ms(resolveMs)} = ${ratio(resolveMs, parseMs)} parse`,
  );
  console.log(`check     load + resolve + all checks: ${ms(checkMs)} = ${ratio(checkMs, parseMs)} parse\n`);
  console.log(
    table(
      [
        'language',
        'files',
        'render',
        'write',
        'resolve+render+write',
        '/ parse',
        'validate (1 run)',
        'status',
        'quality',
      ],
      rows,
    ),
  );
  console.log('goal: (resolve + render + write) / parse <= 2; the whole TypeScript generation under 1 s');
}
