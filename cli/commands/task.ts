import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadConfig } from '../../node/config.js';
import { createTaskModels, createTaskRunner, TaskError } from '../../node/tasks/index.js';
import { EXIT } from '../errors.js';

/**
 * `weavergen task "<what to write>" --lang ts --tests <file>`: the configured models write the code,
 * the given tests judge it. Exit 0 when the winner passes every test, 1 otherwise, 2 when it cannot run.
 */
export async function task(
  description: string,
  opts: { lang: string; tests: string; json?: boolean; home?: string },
): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`weavergen: ${message}\n`);
    return EXIT.USAGE;
  };
  let content: string;
  try {
    content = await readFile(opts.tests, 'utf8');
  } catch (e) {
    return fail(`cannot read the tests file ${opts.tests}: ${(e as Error).message}`);
  }
  // the models section the node would use; a broken or absent config file just means the environment
  const config = await loadConfig(opts.home ? { home: opts.home } : {}).catch(() => undefined);
  const models = await createTaskModels(config?.models ?? {});
  for (const s of models.skipped) process.stderr.write(`weavergen: ${s.message}\n`);
  try {
    const r = await createTaskRunner({ models }).run({
      description,
      language: opts.lang,
      tests: [{ path: basename(opts.tests), content }],
    });
    const w = r.candidates[r.winner];
    const ok = !!w && w.total > 0 && w.passed === w.total && w.compiled;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...r, ok }, null, 2)}\n`);
      return ok ? EXIT.OK : EXIT.PROBLEMS;
    }
    const lines = [`task (${r.language}): ${r.rounds} round${r.rounds === 1 ? '' : 's'}`];
    for (const c of r.candidates)
      lines.push(
        `  ${c.model}: ${c.compiled ? 'compiled' : 'did not compile'}, tests ${c.passed}/${c.total}, q=${c.q.toFixed(3)}, ${c.rounds} round(s), ${c.usage.inputTokens}+${c.usage.outputTokens} tokens${c.error ? ` (${c.error})` : ''}`,
      );
    if (w) {
      lines.push(`winner: ${w.model} (${r.winnerReason}); agreement ${r.agreement.toFixed(3)}`);
      lines.push(`files: ${w.files.map((f) => f.path).join(', ') || '(none)'}`);
      for (const t of w.run.tests.filter((x) => !x.passed))
        lines.push(`  failing: ${t.name}: ${t.message ?? ''}`);
    }
    const cost = r.usage.priced
      ? `$${r.usage.costUsd.toFixed(6)}`
      : `$${r.usage.costUsd.toFixed(6)} (some models unpriced)`;
    lines.push(
      `tokens: ${r.usage.inputTokens} in, ${r.usage.outputTokens} out${r.usage.estimated ? ' (partly estimated)' : ''}; cost ${cost}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return ok ? EXIT.OK : EXIT.PROBLEMS;
  } catch (e) {
    if (e instanceof TaskError) return fail(`${e.message} [${e.code}]`);
    throw e;
  }
}
