import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { precheckTask } from '../../node/tasks/check.js';
import type { Task, TaskRecord } from '../../node/tasks/index.js';
import type { ApiClient } from '../client.js';
import { EXIT } from '../errors.js';
import { withSession } from '../session.js';

/**
 * `weavergen task "<what to write>" --lang ts|python|go|rust|java --tests <file>`: the configured
 * models write the code, the given tests judge it (harnesses in node/tasks/runners). It runs on the
 * node of the home when one is running, else in this process on the home's store; either way its
 * spans and decisions are kept, so `weavergen explain <id>` shows the loop. Exit 0 when the winner
 * passes every test, 1 otherwise, 2 when it cannot run (a blank description, a test file that does
 * not compile alone, no usable model: all said before any model is asked).
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
  const request: Task = {
    description,
    language: opts.lang,
    tests: [{ path: basename(opts.tests), content }],
  };
  // the same checks the node makes, here first: a blank description, bad test file names, tests that
  // do not compile alone (their errors located, no model asked); exit 2 either way
  try {
    await precheckTask(request);
  } catch (e) {
    return fail((e as Error).message);
  }
  let dashboard: string | undefined;
  const record = await withSession({ home: opts.home, command: 'weavergen task' }, async (session) => {
    const { id } = await session.api.post<{ id: string }>('/v1/tasks', request);
    process.stderr.write(
      `weavergen: task ${id} runs on ${session.embedded ? `this process's node (home ${session.home})` : `the node at ${session.api.url}`}\n`,
    );
    // a running node keeps the task's page (a node started for this command stops with it)
    if (!session.embedded && !opts.json) dashboard = `${session.api.url}/#/tasks/${encodeURIComponent(id)}`;
    return waitFor(session.api, id);
  });
  if (dashboard && (record.status !== 'succeeded' || !record.result))
    process.stdout.write(`dashboard: ${dashboard}\n`);
  if (record.status !== 'succeeded' || !record.result)
    return fail(
      `${record.error?.message ?? `the task ended ${record.status}`}${record.error?.code ? ` [${record.error.code}]` : ''}`,
    );
  const r = record.result;
  const w = r.candidates[r.winner];
  const ok = !!w && w.total > 0 && w.passed === w.total && w.compiled;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ id: record.id, ...r, ok }, null, 2)}\n`);
    return ok ? EXIT.OK : EXIT.PROBLEMS;
  }
  const lines = [`task ${record.id} (${r.language}): ${r.rounds} round${r.rounds === 1 ? '' : 's'}`];
  for (const c of r.candidates)
    lines.push(
      `  ${c.model}: ${c.compiled ? 'compiled' : 'did not compile'}, tests ${c.passed}/${c.total}${c.run.outputTooLarge ? ' (output too large: the run was stopped)' : ''}, q=${c.q.toFixed(3)} (by round ${c.history.map((q) => q.toFixed(2)).join(' -> ') || '-'}), ${c.usage.inputTokens}+${c.usage.outputTokens} tokens${c.error ? ` (${c.error})` : ''}`,
    );
  if (w) {
    lines.push(`winner: ${w.model} (${r.winnerReason}); agreement ${r.agreement.toFixed(3)}`);
    lines.push(`files: ${w.files.map((f) => f.path).join(', ') || '(none)'}`);
    // the compiler's located errors (and what the run could not promise), as --json has them all
    const diags = w.run.diagnostics;
    if (diags.length) lines.push('diagnostics:', ...diags.slice(0, MAX_DIAGNOSTICS).map((d) => `  ${d}`));
    if (diags.length > MAX_DIAGNOSTICS)
      lines.push(`  (${diags.length - MAX_DIAGNOSTICS} more: weavergen task --json lists them all)`);
    for (const t of w.run.tests.filter((x) => !x.passed))
      lines.push(`  failing: ${t.name}: ${t.message ?? ''}`);
  }
  const cost = r.usage.priced
    ? `$${r.usage.costUsd.toFixed(6)}`
    : `$${r.usage.costUsd.toFixed(6)} (some models unpriced)`;
  lines.push(
    `tokens: ${r.usage.inputTokens} in, ${r.usage.outputTokens} out${r.usage.estimated ? ' (partly estimated)' : ''}; cost ${cost}`,
  );
  lines.push(`why: weavergen explain ${record.id}${opts.home ? ` --home ${opts.home}` : ''}`);
  if (dashboard) lines.push(`dashboard: ${dashboard}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return ok ? EXIT.OK : EXIT.PROBLEMS;
}

/** the winner's diagnostics printed in text mode */
const MAX_DIAGNOSTICS = 10;

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Polls the node until the task has ended (a task takes seconds to minutes; no request stays open that long). */
async function waitFor(api: ApiClient, id: string): Promise<TaskRecord> {
  for (let wait = 200; ; wait = Math.min(2000, wait * 1.5)) {
    const record = await api.get<TaskRecord>(`/v1/tasks/${encodeURIComponent(id)}`);
    if (FINAL.has(record.status)) return record;
    await new Promise((r) => setTimeout(r, wait));
  }
}
