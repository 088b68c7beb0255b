import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { table } from '../cli/render/table.js';
import { packageRoot } from '../node/paths.js';

/**
 * Start-up of the command line, as a user feels it: wall time of whole processes, against a bare
 * `node -e 0` measured in the same run and interleaved with it (so a busy neighbour slows both).
 * Goals: `--version` and `--help` within 3x the bare start, `registry check` of the bundled example
 * within 6x.
 */
export async function benchStartup(runs: number): Promise<void> {
  const root = packageRoot();
  const bin = join(root, 'dist', 'cli', 'bin.js');
  const cases: { name: string; args: string[]; goal?: number }[] = [
    { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
    { name: 'weavergen --version', args: [bin, '--version'], goal: 3 },
    { name: 'weavergen --help', args: [bin, '--help'], goal: 3 },
    {
      name: 'weavergen registry check examples/shop',
      args: [bin, 'registry', 'check', join(root, 'examples', 'shop')],
      goal: 6,
    },
  ];
  const times = cases.map(() => [] as number[]);
  const n = Math.max(5, runs * 2);
  for (let i = 0; i < n + 1; i++)
    for (const [j, c] of cases.entries()) {
      const started = performance.now();
      const r = spawnSync(process.execPath, c.args, { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}`);
      if (i > 0) times[j].push(performance.now() - started); // the first round warms the disk cache
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(times[0]);
  const rows = cases.map((c, j) => {
    const m = median(times[j]);
    const x = m / base;
    return [
      c.name,
      `${m.toFixed(0)} ms`,
      `${x.toFixed(2)}x`,
      c.goal ? `<= ${c.goal}x` : '',
      c.goal ? (x <= c.goal ? 'met' : 'NOT met') : '',
    ];
  });
  console.log(`\n## start-up: whole processes, median of ${n} interleaved runs\n`);
  console.log(table(['command', 'wall time', 'vs bare node', 'goal', 'result'], rows));
}
