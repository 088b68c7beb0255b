import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMarketplace, type PeerDigest } from '../marketplace/index.js';
import { firstWithin, generationsUntilWithin, mean, SCENARIOS, type Scenario, within } from './metrics.js';
import { runNewcomer } from './newcomer.js';
import { drawSimWorld, type Project } from './world.js';

/**
 * A development tool: what a new node received in a `SIM_DUMP=<dir> npm run sim` run (its project
 * and the latest digest of every author, per sybil scenario), replayed into fresh marketplaces and
 * through the new node's choice path without the network. The network part of a seed takes a
 * minute; this takes seconds, so changes to the choice path or the aggregate can be tried on the
 * development seeds before a full run. `node dist/sim/replay.js <dir>` prints the metric-1 figures
 * per variant. Never used for the report figures.
 */
export interface NewcomerDump {
  seed: number;
  node: number;
  horizon: number;
  project: Project;
  digests: Record<Scenario, PeerDigest[]>;
}

export async function dumpNewcomer(dir: string, d: NewcomerDump): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `newcomer-${d.seed}-${d.node}.json`), JSON.stringify(d));
}

async function main(dir: string): Promise<void> {
  const rows = new Map<string, { until: number[]; first: number[]; share: number[]; bad: number[] }>();
  for (const f of (await readdir(dir)).filter((x) => x.startsWith('newcomer-')).sort()) {
    const d = JSON.parse(await readFile(join(dir, f), 'utf8')) as NewcomerDump;
    const w = await drawSimWorld(d.seed);
    for (const variant of ['none', ...SCENARIOS]) {
      const market = createMarketplace();
      if (variant !== 'none')
        for (const digest of d.digests[variant as Scenario]) market.receiveDigest(digest, [], digest.peer);
      const run = await runNewcomer(w, d.project, d.node, d.horizon, (c) =>
        variant === 'none' ? {} : market.priorsFor(c.key, c.arms),
      );
      const r = rows.get(variant) ?? { until: [], first: [], share: [], bad: [] };
      r.until.push(generationsUntilWithin(run.delivered, run.best));
      r.first.push(firstWithin(run.delivered, run.best));
      r.share.push(run.delivered.filter((x, i) => within(x, run.best[i])).length / run.delivered.length);
      r.bad.push(run.badRun / run.delivered.length);
      rows.set(variant, r);
    }
  }
  for (const [variant, r] of rows)
    console.log(
      `${variant.padEnd(8)} until ${JSON.stringify(r.until)} share ${mean(r.share).toFixed(3)} bad run ${mean(r.bad).toFixed(3)}`,
    );
}

if (process.argv[1]?.endsWith('replay.js')) await main(process.argv[2] ?? 'sim-dump');
