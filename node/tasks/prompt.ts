import type { GeneratedFile } from '../generation/index.js';
import type { TestHarness, TestRun } from './runners/index.js';

/** What the previous round of one candidate got wrong, for its correction prompt. */
export interface TaskFeedback {
  round: number;
  files: GeneratedFile[];
  run: TestRun;
}

const MAX_ITEMS = 30;
const fence = (f: GeneratedFile, comment: string) =>
  `\`\`\`\n${comment} file: ${f.path}\n${f.content.trimEnd()}\n\`\`\``;

/** The task prompt: the request, the tests verbatim, the output format extractFiles reads. */
export function buildTaskPrompt(
  description: string,
  harness: TestHarness,
  tests: GeneratedFile[],
  feedback?: TaskFeedback,
): { system: string; user: string } {
  const comment = harness.language === 'python' ? '#' : '//';
  const system = [
    `You write ${harness.language} code that makes the given tests pass. ${harness.howTestsRun}`,
    `Answer with every file you write as a fenced code block whose first line is \`${comment} file: <path>\` (relative path).`,
    'Do not write or change the test files. Use only the standard library. No explanations are needed.',
  ].join('\n');
  const parts = [`Task: ${description}`, '', 'Tests:', ...tests.map((t) => fence(t, comment))];
  if (feedback) {
    const { run } = feedback;
    parts.push(
      '',
      `Correction round ${feedback.round}: your previous answer passed ${run.passed} of ${run.total} tests${run.compiled ? '' : ' and did not compile'}.`,
    );
    if (run.outputTooLarge)
      parts.push(
        'The test run was stopped because it wrote too much output: your code must not print (or print little).',
      );
    const errors = run.outputTooLarge
      ? run.diagnostics.filter((d) => !d.includes('output too large'))
      : run.diagnostics;
    if (errors.length) parts.push('Compiler errors:', ...errors.slice(0, MAX_ITEMS).map((d) => `- ${d}`));
    const failing = run.tests.filter((t) => !t.passed);
    if (failing.length)
      parts.push(
        'Failing tests:',
        ...failing.slice(0, MAX_ITEMS).map((t) => `- ${t.name}: ${t.message ?? 'failed'}`),
      );
    parts.push(
      'Your previous files:',
      ...feedback.files.map((f) => fence(f, comment)),
      'Answer with the corrected files, complete.',
    );
  }
  return { system, user: `${parts.join('\n')}\n` };
}
