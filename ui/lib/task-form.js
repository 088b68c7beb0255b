// The form that starts a task: a description, a language, test files (read in the browser from a
// file input, and/or one named and pasted), optional max rounds. The node judges the input: its
// refusal is shown next to the form as it words it (with a test file's located errors).
import { post } from './api.js';
import { el } from './dom.js';

const LANGUAGES = ['ts', 'python', 'go', 'rust', 'java'];

/** The form; `started(id)` is called with the new task's id once the node has taken it (202). */
export function taskForm(started) {
  const description = el('textarea', {
    id: 'task-description',
    rows: 4,
    placeholder: 'what to write, in words, e.g. "a function sum(a, b) in sum.ts"',
  });
  const language = el(
    'select',
    { id: 'task-language' },
    LANGUAGES.map((l) => el('option', { value: l }, l)),
  );
  const files = el('input', { type: 'file', id: 'task-files', multiple: true });
  const testName = el('input', { type: 'text', id: 'task-test-name', placeholder: 'e.g. sum.test.ts' });
  const testContent = el('textarea', {
    id: 'task-test-content',
    rows: 6,
    class: 'mono',
    placeholder: 'the test file, pasted',
  });
  const rounds = el('input', {
    type: 'number',
    id: 'task-max-rounds',
    min: 1,
    max: 5,
    placeholder: 'default 3',
  });
  const error = el('div', { class: 'error', id: 'task-error', role: 'alert' });
  const button = el('button', { type: 'submit' }, 'Start the task');
  const form = el(
    'form',
    { class: 'grid-form', id: 'task-form' },
    el('label', { for: 'task-description' }, 'Description'),
    description,
    el('label', { for: 'task-language' }, 'Language'),
    el('span', {}, language),
    el('label', { for: 'task-files' }, 'Test files'),
    files,
    el('label', { for: 'task-test-name' }, 'or a test file named'),
    testName,
    el('label', { for: 'task-test-content' }, 'with the content'),
    testContent,
    el('label', { for: 'task-max-rounds' }, 'Max rounds'),
    el('span', {}, rounds),
    el('span', {}),
    el('span', {}, button),
    el('span', {}),
    error,
  );

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.replaceChildren();
    button.disabled = true;
    try {
      // the chosen files are read here, in the browser: the node never sees this machine's paths
      const tests = await Promise.all(
        [...files.files].map(async (f) => ({ path: f.name, content: await f.text() })),
      );
      if (testName.value.trim() || testContent.value)
        tests.push({ path: testName.value.trim(), content: testContent.value });
      const body = { description: description.value, language: language.value, tests };
      if (rounds.value.trim()) body.maxRounds = Number(rounds.value);
      const r = await post('/v1/tasks', body);
      started(r.id);
    } catch (e) {
      const located = Array.isArray(e.details?.diagnostics) ? e.details.diagnostics : [];
      error.replaceChildren(
        el('span', {}, String(e.message || e)),
        located.length
          ? el(
              'ul',
              {},
              located.map((d) => el('li', { class: 'mono' }, String(d))),
            )
          : '',
      );
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
