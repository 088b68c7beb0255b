import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import type { ArmStats } from '../../../node/learning/index.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { type Arm, armOf, paramCombinations } from '../../../node/optimizer/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import { createStore } from '../../../node/storage/index.js';
import { until } from './harness.js';

/**
 * The issue's test: peers' digests change another node's choice for a real generation. Node A has
 * learned (its store holds the statistics generations would have left) that in the context of the
 * example registry a non-default variant of the built-in TypeScript pack (layout=per_namespace) is
 * far better than the defaults, and shares it; node B, with no evidence of its own, generates the
 * same registry, and its incumbent is that variant, because of A's digest. A control node, alone,
 * generates the same registry with the pack defaults.
 *
 * A lone new peer does not move an incumbent (its trust, 0.1, is a third of the marketplace's trust
 * quorum): B has measured the pack defaults itself (6 outcomes at 0.45, as A says), so A's digest
 * agrees with what B measured, B's trust in A rises, and A's word on the variant, which B never
 * ran, counts in full.
 */

const REGISTRY = join(process.cwd(), 'examples', 'shop');
const EPOCH_MS = 1000;
const nodes: WeaverNode[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const n of nodes.reverse()) await n.stop().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true }).catch(() => undefined);
});

const tmp = async (prefix: string) => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

async function start(home: string, network: Record<string, unknown>): Promise<WeaverNode> {
  const config = await loadConfig(
    { home, api: { enabled: false }, network: { epochMs: EPOCH_MS, k: 5, budget: 1_000_000, ...network } },
    {},
  );
  const node = await createNode(config, { recover: false });
  nodes.push(node);
  return node;
}

/** One generation of the example registry in TypeScript, the incumbent alone (one candidate). */
async function generate(node: WeaverNode) {
  const { id, done } = await node.generate({ registry: REGISTRY, languages: ['typescript'], candidates: 1 });
  const record = await done;
  const decisions = await node.decisions(id);
  const choose = decisions.find((d) => d.step === 'choose:typescript')!;
  const ts = record.languages[0];
  const files = ts.outDir ? await readdir(ts.outDir) : [];
  return { record, ts, choose, files: files.sort() };
}

/** Statistics a node would hold after many generations: n outcomes at mean q. */
function learned(context: string, arm: Arm, n: number, q: number): ArmStats {
  return {
    contextKey: context,
    armKey: arm.key,
    packId: arm.packId,
    packName: arm.packName,
    params: arm.params,
    paramsHash: arm.paramsHash,
    model: arm.model,
    n,
    sumQ: n * q,
    sumQ2: n * (q * q + 0.002),
    successes: q >= 0.9 ? n : 0,
    compileFailures: 0,
    firstAt: Date.now() - 3_600_000,
    lastAt: Date.now() - 60_000,
    evidence: [],
  };
}

describe('peers digests reach the incumbent of a real generation', () => {
  it("node B chooses the variant node A's digest rates far above the defaults; alone, a node chooses the defaults", async () => {
    const ts = (await builtinPacks()).find((p) => p.manifest.language === 'typescript')!;
    const arms = paramCombinations(ts).map((p) => armOf(ts, p));
    const defaults = arms.find((a) => a.isDefault)!;
    const variant = arms.find(
      (a) =>
        a.params.layout === 'per_namespace' &&
        a.params.doc_style === defaults.params.doc_style &&
        a.params.enum_style === defaults.params.enum_style,
    )!;

    // without peers: the pack defaults (the official layout)
    const control = await start(await tmp('wg-priors-control-'), { share: 'receive-only' });
    const alone = await generate(control);
    expect(alone.record.status).toBe('succeeded');
    expect(alone.choose.reason).toMatch(/^incumbent: pack defaults/);
    expect(alone.ts.candidates.map((c) => c.arm.params)).toEqual([defaults.params]);
    expect(alone.files).toContain('index-incubating.ts');
    const context = alone.ts.context;

    // node A: its store says, in that context, the variant 0.98 and the defaults 0.45, 200 times each
    const homeA = await tmp('wg-priors-a-');
    const storeA = await createStore({ path: join(homeA, 'db') });
    for (const s of [learned(context, defaults, 200, 0.45), learned(context, variant, 200, 0.98)])
      await storeA.put('arms', `s!${s.contextKey}!${s.armKey}`, s);
    await storeA.close();
    const a = await start(homeA, { share: 'all' });
    // node B: its own measurement of the defaults, the arm it shares with A
    const homeB = await tmp('wg-priors-b-');
    const storeB = await createStore({ path: join(homeB, 'db') });
    const confirms = learned(context, defaults, 6, 0.45);
    await storeB.put('arms', `s!${confirms.contextKey}!${confirms.armKey}`, confirms);
    await storeB.close();
    const b = await start(homeB, {
      share: 'receive-only',
      bootstrap: a.peers().addresses,
    });
    const peerA = a.peers().peerId!;
    const took = await until(
      "A's digest held at B",
      () => b.peers().peers.some((p) => p.id === peerA && p.lastDigestEpoch !== undefined),
      30_000,
    );

    console.log(`[priors] A's digest held at B after ${took} ms`);
    // B confirmed A on the defaults: A is no longer a stranger
    const trustA = await until(
      'B trusts A past a new peer',
      () => (b.peers().peers.find((p) => p.id === peerA)?.trust ?? 0) > 0.3,
      30_000,
    );
    console.log(`[priors] B trusts A after ${trustA} ms`);
    const withPeers = await generate(b);
    console.log(`[priors] B: ${withPeers.choose.reason}`);
    console.log(`[priors] files: alone ${alone.files.join(' ')}; B ${withPeers.files.join(' ')}`);
    expect(withPeers.record.status).toBe('succeeded');
    expect(withPeers.ts.context).toBe(context);
    expect(withPeers.choose.reason).toMatch(
      /^incumbent: network-preferred variant typescript-semconv .*layout=per_namespace .*P\(better\) = 1\.000 >= 0\.8/,
    );
    expect(withPeers.ts.candidates.map((c) => c.arm.params)).toEqual([variant.params]);
    // the generation is really another one: one file per namespace instead of the official split
    expect(withPeers.files).not.toContain('index-incubating.ts');
    expect(withPeers.files).not.toEqual(alone.files);
    // B never ran the variant and published nothing: the choice came from A's digest
    expect(b.peers().stats?.published.digests).toBe(0);
  });
});
