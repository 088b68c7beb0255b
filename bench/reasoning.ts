import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../cli/render/table.js';
import { loadConfig } from '../node/config.js';
import { generateWithPack, type TemplateRegistry, toTemplateRegistry } from '../node/generation/index.js';
import type { CandidateSummary, GenerationRecord } from '../node/jobs/types.js';
import { createNode, type WeaverNode } from '../node/node.js';
import { findPack } from '../node/packs/index.js';
import { loadRegistry } from '../node/semconv/index.js';
import { startRecordedModel } from './recorded-model.js';

const MODEL = 'recorded-ts';

/**
 * Folders of the real registry that resolve on their own into one namespace with no error: a fixed
 * set spanning size buckets, enums, deprecations and metrics (`bench/reasoning.ts` picks them once;
 * the order is the replay's).
 */
export const BENCH_NAMESPACES = [
  'url',
  'os',
  'tls',
  'artifact',
  'vcs',
  'geo',
  'file',
  'code',
  'gcp',
  'cloudfoundry',
  'jvm',
  'service',
  'host',
  'pprof',
  'log',
  'security-rule',
  'cassandra',
  'user-agent',
  'go',
  'deployment',
  'cloud',
  'graphql',
];

/** The answer a model gives for a one-namespace registry: the file in a fenced block, as models write. */
const fenced = (path: string, content: string) =>
  `Here is the code.\n\n\`\`\`typescript\n// file: ${path}\n${content}\n\`\`\`\n`;

/** An enum member constant with its JSDoc (the comment never crosses another's end). */
const ENUM_VALUE = /\/\*\*(?:(?!\*\/)[\s\S])*\*\/\nexport const \w+_VALUE_\w+ = [^;]*;\n?/g;

/**
 * The recorded model's first answers, and the defects they carry (its corrected answers are right):
 * on a registry with enums it leaves out the enum member constants (it compiles, symbols are
 * missing); on one of 20 or more symbols it types one constant wrong (it does not compile). Small
 * registries without enums it gets right at once.
 */
function firstAnswer(right: string, model: TemplateRegistry): { content: string; defects: string[] } {
  let content = right;
  const defects: string[] = [];
  if (model.attributes.some((a) => a.is_enum)) {
    content = content.replace(ENUM_VALUE, '');
    defects.push('enum members left out');
  }
  const symbols = model.attributes.reduce((n, a) => n + 1 + a.members.length, 0) + model.metrics.length;
  if (symbols >= 20) {
    content = content.replace(
      /export const (ATTR_\w+) = ('[^']*') as const;/,
      'export const $1: number = $2;',
    );
    defects.push('one constant mistyped');
  }
  return { content, defects };
}

export interface Predicted {
  predicted: number;
  from: number;
  measured: number;
  attempt: string;
  generator: string;
  /** the arm's plain mean quality in the context before this generation (the earlier predictor) */
  baseline?: number;
  /** the registry's first generation (the model alone), or its second (racing builtin: seen before) */
  fresh: boolean;
}

export interface RegistryReplay {
  /** per registry: name, context, defects, model q round 1, after the loop, rounds, tokens, agreement */
  rows: {
    name: string;
    context: string;
    defects: string[];
    first: number;
    after: number;
    rounds: number;
    tokens: number;
    agreement: number;
  }[];
  predictions: Predicted[];
  tokens: number;
}

/**
 * Reasoning loop and orchestra, replayed: for real registries, a model whose recorded answers carry
 * the defects above until it is told what is wrong, first alone (the loop corrects it), then racing
 * the built-in generator. Every candidate's quality is predicted before it runs; the arm's plain
 * mean in the context is replayed beside it as a baseline.
 */
export async function replayRegistries(
  registryRoot: string,
  namespaces: readonly string[] = BENCH_NAMESPACES,
): Promise<RegistryReplay> {
  const work = await mkdtemp(join(tmpdir(), 'weavergen-bench-reason-'));
  const recordings = new Map<string, { first: string; right: string }>();
  const server = await startRecordedModel((req) => {
    const ns = /Namespace `([^`]+)`:/.exec(req.user)?.[1];
    const rec = ns ? recordings.get(ns) : undefined;
    if (!rec) throw new Error(`no recording for namespace ${ns}`);
    return /Correction round \d+/.test(req.user) ? rec.right : rec.first;
  });
  let node: WeaverNode | undefined;
  try {
    const registries: { name: string; dir: string }[] = [
      { name: 'example (shop)', dir: join(process.cwd(), 'test', 'fixtures', 'mini-registry') },
    ];
    for (const ns of namespaces) {
      const dir = join(work, ns);
      await cp(join(registryRoot, ns), join(dir, ns), { recursive: true });
      registries.push({ name: ns, dir });
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
    const out: RegistryReplay = { rows: [], predictions: [], tokens: 0 };
    // the earlier predictor, replayed beside the node: an arm's mean q in the context so far
    const seen = new Map<string, number[]>();
    const observe = (context: string, cs: CandidateSummary[], fresh: boolean) => {
      const before = new Map([...seen].map(([k, v]) => [k, mean(v)]));
      for (const c of cs) {
        const k = `${context}|${c.arm.key}`;
        if (c.predicted !== undefined)
          out.predictions.push({
            predicted: c.predicted,
            from: c.predictedFrom ?? 0,
            measured: c.q,
            attempt: c.attempt ?? 'first',
            generator: c.arm.model === 'builtin' ? 'builtin' : 'model',
            baseline: before.get(k),
            fresh,
          });
        seen.set(k, [...(seen.get(k) ?? []), c.q]);
      }
    };
    for (const r of registries) {
      const model = toTemplateRegistry((await loadRegistry(r.dir, { check: false })).registry);
      if (model.namespaces.length !== 1) continue; // recorded answers are one file per registry here
      const ns = model.namespaces[0].name;
      const gen = await generateWithPack(pack, model, { layout: 'per_namespace' });
      const file = gen.files.find((f) => f.path === `${ns}.ts`)!;
      const first = firstAnswer(file.content, model);
      recordings.set(ns, { first: fenced(file.path, first.content), right: fenced(file.path, file.content) });
      // 1. the model alone: its first answer, then corrected after feedback
      const a = await run(node, { registry: r.dir, languages: ['typescript'], models: [`openai:${MODEL}`] });
      const la = a.record.languages[0];
      observe(la.context, la.candidates, true);
      // 2. builtin and the model at once (the model answers as recorded): agreement
      const b = await run(node, { registry: r.dir, languages: ['typescript'], candidates: 1 });
      const lb = b.record.languages[0];
      observe(lb.context, lb.candidates, false);
      out.tokens += a.tokens + b.tokens;
      out.rows.push({
        name: r.name,
        context: la.context.split('|').slice(2).join(' '),
        defects: first.defects,
        first: la.candidates[0]?.q ?? 0,
        after: la.winner?.q ?? 0,
        rounds: la.rounds ?? 0,
        tokens: a.tokens,
        agreement: lb.agreement,
      });
    }
    return out;
  } finally {
    await node?.stop();
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** The replay over the fixed registry set, printed. */
export async function benchReasoning(registryRoot: string): Promise<void> {
  const { rows, predictions, tokens } = await replayRegistries(registryRoot);
  console.log(
    `\n## reasoning loop and orchestra, replayed (${rows.length} registries; recorded answers from a loopback OpenAI-protocol server, real SDK)`,
  );
  console.log(
    table(
      [
        'registry',
        'context',
        'recorded first-answer defects',
        'model q round 1',
        'after loop',
        'rounds',
        'tokens',
        'agreement w/ builtin',
      ],
      rows.map((r) => [
        r.name,
        r.context,
        r.defects.join(', ') || 'none',
        r.first.toFixed(3),
        r.after.toFixed(3),
        r.rounds,
        r.tokens,
        r.agreement.toFixed(3),
      ]),
    ),
  );
  const firsts = rows.map((r) => r.first);
  const afters = rows.map((r) => r.after);
  console.log(
    `first-round q ${mean(firsts).toFixed(3)} -> after the loop ${mean(afters).toFixed(3)}; ${rows.filter((r) => r.after > r.first).length}/${rows.length} corrected; rounds ${mean(rows.map((r) => r.rounds)).toFixed(2)} on average; tokens ${tokens}`,
  );
  const agreement = (xs: typeof rows) =>
    `mean ${mean(xs.map((r) => r.agreement)).toFixed(3)}, ${xs.filter((r) => r.agreement >= 0.9).length}/${xs.length} >= 0.9`;
  console.log(
    `agreement (builtin vs the model's first answer, registry symbols with their values): where that answer is right ${agreement(rows.filter((r) => r.defects.length === 0))}; where it has defects ${agreement(rows.filter((r) => r.defects.length > 0))}`,
  );
  printPredictions(predictions);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/** Accuracy within 0.1 and on pass/fail (q >= 0.9), overall and by kind, against the baseline. */
function printPredictions(ps: Predicted[]) {
  const within = (xs: Predicted[], f: (p: Predicted) => number | undefined) => {
    const scored = xs.filter((p) => f(p) !== undefined);
    const near = scored.filter((p) => Math.abs(f(p)! - p.measured) <= 0.1).length;
    const pass = scored.filter((p) => f(p)! >= 0.9 === p.measured >= 0.9).length;
    const pct = (k: number) => (scored.length ? `${((100 * k) / scored.length).toFixed(0)}%` : '-');
    return [
      scored.length,
      `${near}/${scored.length} (${pct(near)})`,
      `${pass}/${scored.length} (${pct(pass)})`,
      scored.length ? mean(scored.map((p) => Math.abs(f(p)! - p.measured))).toFixed(3) : '-',
    ];
  };
  const groups: [string, Predicted[]][] = [
    ['all candidates', ps],
    ['with evidence (n >= 1 at some level)', ps.filter((p) => p.from > 0)],
    ['builtin', ps.filter((p) => p.generator === 'builtin')],
    ['model, first answers', ps.filter((p) => p.generator === 'model' && p.attempt === 'first')],
    ['model, answers to feedback', ps.filter((p) => p.generator === 'model' && p.attempt === 'correction')],
    ['registries not seen before (model alone)', ps.filter((p) => p.fresh)],
    ['the same candidates for both', ps.filter((p) => p.baseline !== undefined)],
  ];
  const rows = groups.flatMap(([name, xs]) => [
    [name, 'learned (node/learning/predict.ts)', ...within(xs, (p) => p.predicted)],
    ['', 'baseline: arm mean in context', ...within(xs, (p) => p.baseline)],
  ]);
  console.log(
    '\nquality predicted before each candidate ran vs measured after (the baseline predicts only where the arm has run in the context)',
  );
  console.log(table(['candidates', 'predictor', 'n', 'within 0.1', 'pass/fail right', 'mean |error|'], rows));
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
