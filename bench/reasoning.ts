import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../cli/render/table.js';
import { loadConfig } from '../node/config.js';
import { generateWithPack, toTemplateRegistry } from '../node/generation/index.js';
import type { GenerationRecord } from '../node/jobs/types.js';
import { createNode, type WeaverNode } from '../node/node.js';
import { findPack } from '../node/packs/index.js';
import { loadRegistry } from '../node/semconv/index.js';
import { startRecordedModel } from './recorded-model.js';

const MODEL = 'recorded-ts';

/** The answer a model gives for a one-namespace registry: the file in a fenced block, as models write. */
const answer = (path: string, content: string) =>
  `Here is the code.\n\n\`\`\`typescript\n// file: ${path}\n${content}\n\`\`\`\n`;

/** Round-1 recording: the same file with one constant given the wrong type (a compile error). */
const broken = (content: string) =>
  content.replace(/export const (ATTR_\w+) = ('[^']*') as const;/, 'export const $1: number = $2;');

/**
 * Reasoning loop and orchestra, replayed: for a fixed set of registries, a model whose recorded
 * first answer does not compile and whose second (after feedback) does, then the built-in
 * generator and the model at once. Prints first-round quality vs after the loop, tokens, rounds,
 * agreement between candidates and how well quality was predicted before running.
 */
export async function benchReasoning(registryRoot: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'weavergen-bench-reason-'));
  const server = await startRecordedModel(MODEL);
  let node: WeaverNode | undefined;
  try {
    const registries: { name: string; dir: string }[] = [
      { name: 'example (shop)', dir: join(process.cwd(), 'node', 'semconv', 'example-registry') },
    ];
    for (const ns of ['url', 'dns', 'tls', 'vcs']) {
      const dir = join(work, ns);
      await cp(join(registryRoot, ns), dir, { recursive: true });
      registries.push({ name: `v1.44.0 ${ns}/`, dir });
    }
    node = await createNode(
      await loadConfig(
        {
          home: join(work, 'home'),
          api: { enabled: false },
          network: { enabled: false },
          models: {
            models: `builtin,openai:${MODEL}`,
            openai: {
              apiKey: 'bench',
              baseURL: server.url,
              stream: false,
              contextTokens: 1_000_000,
              maxOutputTokens: 500_000,
            },
          },
        },
        {},
      ),
    );
    const pack = await findPack('typescript');
    const rows: (string | number)[][] = [];
    const agreements: number[] = [];
    const predictions: { predicted: number; measured: number }[] = [];
    let tokens = 0;
    for (const r of registries) {
      const model = toTemplateRegistry((await loadRegistry(r.dir, { check: false })).registry);
      if (model.namespaces.length !== 1) continue; // recorded answers are one file per registry here
      const ns = model.namespaces[0].name;
      const gen = await generateWithPack(pack, model, { layout: 'per_namespace' });
      const file = gen.files.find((f) => f.path === `${ns}.ts`)!;
      // 1. the model alone: a broken first answer, corrected after feedback
      server.queue(answer(file.path, broken(file.content)), answer(file.path, file.content));
      const a = await run(node, { registry: r.dir, languages: ['typescript'], models: [`openai:${MODEL}`] });
      const la = a.record.languages[0];
      const first = la.candidates[0]?.q ?? 0;
      tokens += a.tokens;
      // 2. builtin and the model at once (the model now answers right): agreement, prediction
      server.queue(answer(file.path, file.content));
      const b = await run(node, { registry: r.dir, languages: ['typescript'], candidates: 1 });
      const lb = b.record.languages[0];
      tokens += b.tokens;
      agreements.push(lb.agreement);
      for (const c of lb.candidates)
        if (c.predicted !== undefined) predictions.push({ predicted: c.predicted, measured: c.q });
      rows.push([
        r.name,
        model.attributes.length,
        first.toFixed(3),
        (la.winner?.q ?? 0).toFixed(3),
        la.rounds ?? 0,
        a.tokens,
        lb.candidates.length,
        lb.agreement.toFixed(3),
        b.tokens,
      ]);
    }
    const within = predictions.filter((p) => Math.abs(p.predicted - p.measured) <= 0.1).length;
    console.log(
      `\n## reasoning loop and orchestra, replayed (recorded answers from a loopback OpenAI-protocol server, real SDK)`,
    );
    console.log(
      table(
        [
          'registry',
          'attrs',
          'model q round 1',
          'after loop',
          'rounds',
          'tokens',
          'candidates',
          'agreement',
          'tokens',
        ],
        rows,
      ),
    );
    const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
    console.log(
      `first-round q ${mean(rows.map((r) => Number(r[2]))).toFixed(3)} -> after the loop ${mean(rows.map((r) => Number(r[3]))).toFixed(3)}; rounds ${mean(rows.map((r) => Number(r[4]))).toFixed(2)}; tokens ${tokens}`,
    );
    console.log(
      `agreement (builtin vs model, registry symbols with their values): mean ${mean(agreements).toFixed(3)}, ${agreements.filter((x) => x >= 0.9).length}/${agreements.length} generations >= 0.9`,
    );
    const passFail = predictions.filter((p) => p.predicted >= 0.9 === p.measured >= 0.9).length;
    console.log(
      `prediction before running (learned mean in the context): ${within}/${predictions.length} within 0.1 of the measured quality, ${passFail}/${predictions.length} right on pass/fail (q >= 0.9)`,
    );
  } finally {
    await node?.stop();
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function run(
  node: WeaverNode,
  request: Parameters<WeaverNode['generate']>[0],
): Promise<{ record: GenerationRecord; tokens: number }> {
  const { id, done } = await node.generate(request);
  const record = await done;
  const spans = await node.spans.byGeneration(id);
  const tokens = spans.reduce(
    (n, s) =>
      n +
      Number(s.attributes['weavergen.model.input_tokens'] ?? 0) +
      Number(s.attributes['weavergen.model.output_tokens'] ?? 0),
    0,
  );
  return { record, tokens };
}
