import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../cli/render/table.js';
import { canonicalJson } from '../marketplace/pack-id.js';
import { loadConfig } from '../node/config.js';
import type { GenerationRecord, GenerationRequest } from '../node/jobs/index.js';
import { createNode, type WeaverNode } from '../node/node.js';
import { seededRandom } from '../node/optimizer/index.js';
import { predictRequests, shapeOf } from '../node/prediction/index.js';

/**
 * Predictive pre-generation on replayed request traces. Each project is a real node (its own home,
 * prediction on) and a copy of the example registry; its history is drawn from a seed: a habit (1-3
 * request shapes with weights: languages, sometimes a param), which changes once with p 0.3, and
 * before each request an edit of the registry with p 0.7 (a brief changed), the request coming a
 * think time after the edit (log-normal, median 45 s). The node sees the edit through its file
 * watch, predicts from its own records and runs ahead; then the request is made.
 *
 * Durations are measured (every generation runs for real, validated); arrival times are simulated:
 * a prediction counts only if it finished (debounce + its queue + its run) within the think time,
 * otherwise the request is counted at its cold time. Without prediction, a request the prediction
 * answered would have run cold: its cold time is the prediction's own run of the same request.
 * Beside the node's predictor, two policies computed on the same traces and durations: "repeat the
 * last request" (one shape) and the node's predictor held to one shape.
 */
const LANGUAGES: GenerationRequest['languages'] = ['typescript', 'python', 'go'];
const REQUESTS = 12;
const EDIT_P = 0.7;
const DRIFT_P = 0.3;
const DEBOUNCE_MS = 300;
const HIT_MS_FLOOR = 1;
const REAL_DEBOUNCE_MS = 2000; // the product's default, used for the simulated timing

interface Step {
  edited: boolean;
  gapMs: number;
  shape: GenerationRequest;
  /** the actual request's record and duration */
  record: GenerationRecord;
  ms: number;
  /** the predictions run after this step's edit: their shapes and durations, in order */
  ahead: { key: string; ms: number; id: string }[];
  /** the history the node had (user requests before this one) */
  history: { request: GenerationRequest; at: number }[];
}

const keyOf = (r: GenerationRequest) => canonicalJson(shapeOf(r));
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

function drawHabit(r: () => number, registry: string): { shape: GenerationRequest; weight: number }[] {
  const n = 1 + Math.floor(r() * 3);
  const out: { shape: GenerationRequest; weight: number }[] = [];
  for (let i = 0; i < n; i++) {
    const langs = LANGUAGES.filter(() => r() < 0.4);
    const languages = (
      langs.length ? langs : [LANGUAGES[Math.floor(r() * LANGUAGES.length)]]
    ) as GenerationRequest['languages'];
    const params = r() < 0.25 && languages.includes('typescript') ? { doc_style: 'brief' } : undefined;
    out.push({ shape: { registry, languages, ...(params ? { params } : {}) }, weight: 0.2 + r() });
  }
  return out;
}

function pick<T extends { weight: number }>(r: () => number, xs: T[]): T {
  const total = xs.reduce((a, x) => a + x.weight, 0);
  let u = r() * total;
  for (const x of xs) {
    u -= x.weight;
    if (u <= 0) return x;
  }
  return xs[xs.length - 1];
}

async function editRegistry(dir: string, n: number, r: () => number): Promise<void> {
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.yaml') && f !== 'registry_manifest.yaml')
    .sort();
  const file = join(dir, files[Math.floor(r() * files.length)]);
  const text = await readFile(file, 'utf8');
  const briefs = [...text.matchAll(/brief: ([^\n]+)/g)];
  if (briefs.length === 0) return writeFile(file, `${text}\n# edit ${n}\n`);
  const m = briefs[Math.floor(r() * briefs.length)];
  const at = (m.index ?? 0) + m[0].length;
  await writeFile(file, `${text.slice(0, at)} (rev ${n})${text.slice(at)}`);
}

const idle = async (node: WeaverNode, since: number) => {
  // the watch's debounce, then every prediction of this edit run to its end
  await new Promise((res) => setTimeout(res, DEBOUNCE_MS + 300));
  for (let quiet = 0; quiet < 3; ) {
    const running = (await node.generations(20)).some(
      (g) => g.createdAt >= since && (g.status === 'queued' || g.status === 'running'),
    );
    quiet = running ? 0 : quiet + 1;
    await new Promise((res) => setTimeout(res, 100));
  }
};

async function runProject(seed: number): Promise<Step[]> {
  const r = seededRandom(seed * 7919 + 17);
  const root = await mkdtemp(join(tmpdir(), 'wg-bench-predict-'));
  const registry = join(root, 'shop');
  await cp(join(process.cwd(), 'examples', 'shop'), registry, { recursive: true });
  await cp(join(process.cwd(), 'examples', 'shop-base'), join(root, 'shop-base'), { recursive: true });
  const config = await loadConfig(
    {
      home: join(root, 'home'),
      network: { enabled: false },
      generation: { predict: { enabled: true, debounceMs: DEBOUNCE_MS } },
    },
    {},
  );
  const node = await createNode(config);
  let habit = drawHabit(r, registry);
  const drift = r() < DRIFT_P ? 3 + Math.floor(r() * (REQUESTS - 4)) : -1;
  const steps: Step[] = [];
  const history: { request: GenerationRequest; at: number }[] = [];
  try {
    for (let i = 0; i < REQUESTS; i++) {
      if (i === drift) habit = drawHabit(r, registry);
      const edited = i > 0 && r() < EDIT_P;
      const gapMs = Math.exp(Math.log(45_000) + normal(r));
      const shape = pick(r, habit).shape;
      let ahead: Step['ahead'] = [];
      if (edited) {
        const since = Date.now();
        await editRegistry(registry, i, r);
        await idle(node, since);
        ahead = (await node.generations(20))
          .filter((g) => g.origin === 'prediction' && g.createdAt >= since)
          .sort((a, b) => a.createdAt - b.createdAt)
          .map((g) => ({ key: keyOf(g.request), ms: (g.finishedAt ?? 0) - (g.startedAt ?? 0), id: g.id }));
      }
      const started = performance.now();
      const record = await (await node.generate(shape)).done;
      const ms = Math.max(HIT_MS_FLOOR, performance.now() - started);
      steps.push({ edited, gapMs, shape, record, ms, ahead, history: [...history] });
      history.push({ request: shape, at: Date.now() });
    }
  } finally {
    await node.stop();
    await rm(root, { recursive: true, force: true });
  }
  return steps;
}

interface Tally {
  requests: number;
  afterEdit: number;
  answered: number;
  ms: number;
  aheadRuns: number;
  aheadUsed: number;
  aheadMs: number;
}

const empty = (): Tally => ({
  requests: 0,
  afterEdit: 0,
  answered: 0,
  ms: 0,
  aheadRuns: 0,
  aheadUsed: 0,
  aheadMs: 0,
});

/**
 * One policy over a project's steps: `predicted(step)` gives the shapes it would run ahead after an
 * edit, in order. A request is answered by a prediction when its shape is among them and the runs
 * up to it fit in the think time; its cold time is known (the actual run, or the node's prediction
 * of the same request).
 */
function score(steps: Step[], predicted: ((s: Step) => string[]) | undefined, hitMs: number): Tally {
  const t = empty();
  for (const s of steps) {
    t.requests++;
    const key = keyOf(s.shape);
    const mine = s.ahead.find((a) => a.key === key);
    const cold = s.record.cachedFrom && mine?.id === s.record.cachedFrom ? mine.ms : s.ms;
    if (!s.edited) {
      t.ms += s.ms;
      continue;
    }
    t.afterEdit++;
    const shapes = predicted?.(s) ?? [];
    // a run ahead takes what the node measured for that shape here; a shape the node did not run
    // (another policy's) is taken to cost what this request costs cold
    const runMs = (k: string) => s.ahead.find((a) => a.key === k)?.ms ?? cold;
    let clock = REAL_DEBOUNCE_MS;
    let answered = false;
    for (const k of shapes) {
      clock += runMs(k);
      t.aheadRuns++;
      t.aheadMs += runMs(k);
      if (k === key) {
        t.aheadUsed++;
        if (clock <= s.gapMs) answered = true;
      }
    }
    if (answered) t.answered++;
    t.ms += answered ? hitMs : cold;
  }
  return t;
}

export async function benchPrediction(): Promise<void> {
  const seeds = (process.env.WEAVERGEN_BENCH_PREDICT_SEEDS ?? '7001-7008').split('-').map(Number);
  const list =
    seeds.length === 2 ? Array.from({ length: seeds[1] - seeds[0] + 1 }, (_, i) => seeds[0] + i) : seeds;
  const started = performance.now();
  console.log(
    `\n## predictive pre-generation: replayed request traces (${list.length} projects, seeds ${list[0]}-${list[list.length - 1]}, ${REQUESTS} requests each)`,
  );
  const all: Step[][] = [];
  for (const seed of list) all.push(await runProject(seed));
  // the time of a request answered from the cache, measured: the median of the hits in the run
  const hits = all
    .flat()
    .filter((s) => s.record.cachedFrom)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const hitMs = hits.length ? hits[Math.floor(hits.length / 2)] : 30;
  const policies: [string, ((s: Step) => string[]) | undefined][] = [
    ['no prediction (baseline)', undefined],
    ['the node (recency-weighted, up to 2 shapes)', (s) => s.ahead.map((a) => a.key)],
    [
      'the node held to 1 shape',
      (s) =>
        predictRequests(s.history, { halfLife: 4, maxShapes: 1, minShare: 0.15 }).map((p) =>
          keyOf(p.request),
        ),
    ],
    [
      'repeat the last request',
      (s) => (s.history.length ? [keyOf(s.history[s.history.length - 1].request)] : []),
    ],
  ];
  const tallies = policies.map(([name, f]) => {
    const t = all
      .map((steps) => score(steps, f, hitMs))
      .reduce((a, b) => {
        for (const k of Object.keys(a) as (keyof Tally)[]) a[k] += b[k];
        return a;
      }, empty());
    return { name, t };
  });
  const base = tallies[0].t;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(
    table(
      [
        'policy',
        'requests after an edit',
        'answered from a prediction',
        'total time',
        'time saved',
        'runs ahead',
        'never used (wasted)',
        'CPU time ahead',
      ],
      tallies.map(({ name, t }) => [
        name,
        String(t.afterEdit),
        t.afterEdit ? pct(t.answered / t.afterEdit) : '-',
        `${(t.ms / 1000).toFixed(1)} s`,
        pct(1 - t.ms / base.ms),
        String(t.aheadRuns),
        t.aheadRuns
          ? `${t.aheadRuns - t.aheadUsed} (${pct((t.aheadRuns - t.aheadUsed) / t.aheadRuns)})`
          : '-',
        `${(t.aheadMs / 1000).toFixed(1)} s`,
      ]),
    ),
  );
  const node = tallies[1].t;
  console.log(
    `goals: answered from a prediction >= 70% (${pct(node.answered / Math.max(1, node.afterEdit))}: ${node.answered / Math.max(1, node.afterEdit) >= 0.7 ? 'met' : 'not met'}), ` +
      `time saved >= 50% (${pct(1 - node.ms / base.ms)}: ${1 - node.ms / base.ms >= 0.5 ? 'met' : 'not met'}); a cache hit took ${hitMs.toFixed(0)} ms (median, measured)`,
  );
  console.log(`time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
