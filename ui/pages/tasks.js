// Tasks: start a free-form coding task (the configured chat models answer it, the given tests
// judge it), the list, and one task followed until it ends.
import { api } from '../lib/api.js';
import { duration, el, errorBox, fmtQ, fmtTime, section, status, table } from '../lib/dom.js';
import { drawMermaid } from '../lib/mermaid.js';
import { taskForm } from '../lib/task-form.js';

const enc = encodeURIComponent;

export async function render(main) {
  const list = el('div', { id: 'tasks' });
  let shown = [];
  const draw = (tasks) => {
    shown = tasks;
    list.replaceChildren(
      table(
        ['id', 'status', 'created', 'duration', 'language', 'description'],
        tasks.map((t) =>
          el(
            'tr',
            { class: 'clickable', onclick: () => (location.hash = `#/tasks/${enc(t.id)}`) },
            el('td', { class: 'mono' }, el('a', { href: `#/tasks/${enc(t.id)}` }, t.id)),
            el('td', {}, status(t.status)),
            el('td', {}, fmtTime(t.createdAt)),
            el('td', {}, duration(t)),
            el('td', {}, t.language),
            el('td', {}, t.description.slice(0, 160)),
          ),
        ),
        'no tasks yet',
      ),
    );
  };
  main.append(
    el('h1', {}, 'Tasks'),
    section(
      'Start a task',
      el(
        'p',
        { class: 'muted' },
        "the configured chat models write the code, your tests judge it (also `weavergen task` or POST /v1/tasks); needs a developer's token",
      ),
      // on 202 the task's own page follows it until it ends
      taskForm((id) => (location.hash = `#/tasks/${enc(id)}`)),
    ),
    section('Tasks', list),
  );
  draw((await api('/v1/tasks?limit=200')).tasks);
  // only the list is drawn again when a status changes: what is typed into the form stays
  const timer = setInterval(async () => {
    const fresh = await api('/v1/tasks?limit=200').catch(() => undefined);
    if (
      fresh &&
      JSON.stringify(fresh.tasks.map((t) => [t.id, t.status])) !==
        JSON.stringify(shown.map((t) => [t.id, t.status]))
    )
      draw(fresh.tasks);
  }, 5000);
  return () => clearInterval(timer);
}

export async function renderOne(main, id) {
  const t = await api(`/v1/tasks/${enc(id)}`);
  const chain = await api(`/v1/generations/${enc(id)}/chain`).catch(() => undefined);
  const diagram = el('div', { class: 'mermaid-box', id: 'chain-diagram' });
  const r = t.result;
  const winner = r && r.winner >= 0 ? r.candidates[r.winner] : undefined;
  main.append(
    el('h1', {}, 'Task ', el('span', { class: 'mono' }, t.id), ' ', status(t.status)),
    el(
      'p',
      { class: 'muted' },
      `${t.language} · created ${fmtTime(t.createdAt)} · took ${duration(t)} · tests ${t.tests.join(', ')}`,
    ),
    section('What was asked', el('p', {}, t.description)),
    t.error
      ? section(
          'What went wrong',
          el('p', { class: 'error' }, t.error.code ? `[${t.error.code}] ` : '', t.error.message),
        )
      : '',
    r
      ? section(
          `Answers (${r.rounds} rounds, agreement ${fmtQ(r.agreement)})`,
          el('p', {}, r.winnerReason),
          table(
            ['model', 'q', 'tests passed', 'compiled', 'rounds', 'q per round', 'note'],
            r.candidates.map((c, i) =>
              el(
                'tr',
                {},
                el('td', {}, c.model, i === r.winner ? ' (winner)' : ''),
                el('td', {}, fmtQ(c.q)),
                el('td', {}, `${c.passed}/${c.total}`),
                el('td', {}, c.compiled ? 'yes' : 'no'),
                el('td', {}, String(c.rounds)),
                el('td', {}, c.history.map(fmtQ).join(' → ')),
                el('td', {}, c.error || ''),
              ),
            ),
          ),
        )
      : '',
    winner
      ? section(
          "The winner's files",
          winner.files.map((f) => [
            el('h3', { class: 'mono' }, f.path),
            el('pre', { class: 'file' }, f.content),
          ]),
        )
      : '',
    section(
      'Reasoning chain',
      chain?.decisions.length ? diagram : el('p', { class: 'muted' }, 'no decisions recorded yet'),
      chain ? el('details', {}, el('summary', {}, 'as text'), el('pre', { class: 'file' }, chain.text)) : '',
    ),
  );
  if (chain?.decisions.length)
    drawMermaid(diagram, chain.mermaid).catch((e) => diagram.replaceChildren(errorBox(e)));
  if (!['succeeded', 'failed', 'cancelled'].includes(t.status)) {
    const timer = setTimeout(() => {
      main.replaceChildren();
      renderOne(main, id).catch((e) => main.append(errorBox(e)));
    }, 3000);
    return () => clearTimeout(timer);
  }
  return undefined;
}
