// The shared annotation of one generation (GET/PATCH /v1/generations/:id/annotation, its
// comments): a few fields, each with who set it and when, and a comment thread. Everyone of the
// tenant sees the same one; changes by others come from the live stream (`apply`). Every write
// names the version its writer saw, and a 409 shows what is there now and lets the writer retry:
// nothing is silently overwritten. A token that may only read (403) sees it read-only, with the
// node's words on the role it needs.
import { api, patch, post, token } from './api.js';
import { el, fmtTime } from './dom.js';

/** The fields the page offers; any other field written through the API is shown as text. */
const FIELDS = [
  { name: 'status', label: 'Review', choices: ['open', 'approved', 'needs-work'] },
  { name: 'owner', label: 'Owner', placeholder: 'who follows it up' },
];

/** what a 403 said, by token: a viewer's token is read-only on every generation of this tab */
const refusedTokens = new Map();

const show = (v) => (v === null || v === undefined || v === '' ? '(not set)' : String(v));

/** The lines of `mine` not in `base` nor `current`, after `current`: a merge that drops nobody's lines. */
function mergeTexts(base, current, mine) {
  const have = new Set([...base.split('\n'), ...current.split('\n')]);
  const added = mine.split('\n').filter((l) => l.trim() && !have.has(l));
  return added.length ? `${current.replace(/\n+$/, '')}\n${added.join('\n')}` : current;
}

/** The annotation section of generation `id`: { node, apply(event), refresh() }. */
export function annotationSection(id) {
  const base = `/v1/generations/${encodeURIComponent(id)}`;
  const fields = {};
  const comments = new Map();
  let readOnly = refusedTokens.get(token.get());

  const notice = el('p', { class: 'error', id: 'annotation-readonly', role: 'status', hidden: true });
  const fieldsBox = el('div', { class: 'fields', id: 'fields' });
  const count = el('span', {}, '');
  const thread = el('ol', { class: 'thread', id: 'comments' });
  const text = el('textarea', {
    id: 'comment-text',
    rows: 3,
    maxlength: 8192,
    placeholder: 'a comment for everyone on this generation',
    'aria-label': 'new comment',
  });
  const addError = el('span', { class: 'error', id: 'comment-error', role: 'alert' });
  const addButton = el('button', { type: 'submit' }, 'Add comment');
  const composer = el(
    'form',
    { class: 'composer', id: 'comment-form' },
    text,
    el('div', {}, addButton, ' ', addError),
  );
  const node = el(
    'section',
    { id: 'annotation' },
    el('h2', {}, 'Review and discussion'),
    notice,
    fieldsBox,
    el('h3', {}, 'Comments ', count),
    thread,
    composer,
  );

  /** a write refused for the token's role (or for no token): the section becomes read-only */
  function refused(e) {
    if (e.status !== 401 && e.status !== 403) return false;
    if (e.status === 403) refusedTokens.set(token.get(), e.message);
    readOnly = e.message;
    drawReadOnly();
    return true;
  }

  function drawReadOnly() {
    notice.hidden = !readOnly;
    notice.textContent = readOnly ? `Read-only: ${readOnly}` : '';
    composer.hidden = !!readOnly;
    for (const f of Object.values(rows)) f.editor.hidden = !!readOnly;
    for (const c of comments.values()) c.editButton.hidden = !!readOnly || c.editing;
  }

  // ---- fields -----------------------------------------------------------------------------------

  const rows = {};
  function fieldRow(spec) {
    const current = el('span', { class: 'value', 'data-field': spec.name });
    const by = el('span', { class: 'muted by' });
    const conflict = el('div', { class: 'conflict', role: 'alert', hidden: true });
    const error = el('span', { class: 'error' });
    const input = spec.choices
      ? el(
          'select',
          { 'aria-label': spec.label, name: spec.name },
          el('option', { value: '' }, '(not set)'),
          spec.choices.map((c) => el('option', { value: c }, c)),
        )
      : el('input', {
          type: 'text',
          name: spec.name,
          maxlength: 200,
          placeholder: spec.placeholder || '',
          'aria-label': spec.label,
        });
    const row = {
      spec,
      /** the version of the value the user started from (0: not set) */
      base: 0,
      dirty: false,
      current,
      by,
      input,
      conflict,
      error,
      editor: el('span', { class: 'editor' }),
    };
    const save = () => setField(row, input.value === '' ? null : input.value, row.base);
    input.addEventListener('input', () => (row.dirty = true));
    if (spec.choices) input.addEventListener('change', save);
    else
      input.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') save();
      });
    row.editor.append(
      input,
      spec.choices ? '' : el('button', { type: 'button', onclick: save }, 'set'),
      ' ',
      error,
    );
    row.node = el(
      'div',
      { class: 'field', 'data-field': spec.name },
      el('span', { class: 'label' }, spec.label),
      current,
      by,
      row.editor,
      conflict,
    );
    rows[spec.name] = row;
    fieldsBox.append(row.node);
    return row;
  }
  for (const spec of FIELDS) fieldRow(spec);

  function drawField(name) {
    const row = rows[name] || fieldRow({ name, label: name });
    const f = fields[name];
    row.current.textContent = show(f?.value);
    row.by.textContent = f
      ? `set by ${f.by}, ${fmtTime(f.at)}${f.version > 1 ? ` (v${f.version})` : ''}`
      : '';
    // what someone else set shows in the editor, unless the user is changing it: then their
    // write names the version they started from, and a 409 tells them
    if (!row.dirty) {
      row.base = f?.version ?? 0;
      const v = f?.value === null || f?.value === undefined ? '' : String(f.value);
      if (row.spec.choices && v && !row.spec.choices.includes(v))
        row.input.append(el('option', { value: v }, v));
      row.input.value = v;
    }
  }

  async function setField(row, value, baseVersion) {
    row.error.textContent = '';
    row.conflict.hidden = true;
    try {
      const written = await patch(`${base}/annotation`, {
        fields: { [row.spec.name]: { value, baseVersion } },
      });
      row.dirty = false;
      mergeFields(written.fields);
    } catch (e) {
      if (refused(e)) return;
      if (e.code === 'COLLAB_ANNOTATION_CONFLICT' && e.details?.current?.fields) {
        mergeFields(e.details.current.fields);
        const now = fields[row.spec.name];
        row.base = now?.version ?? 0;
        row.conflict.replaceChildren(
          el(
            'span',
            {},
            `${row.spec.label} was set to “${show(now?.value)}”${now ? ` by ${now.by}, ${fmtTime(now.at)}` : ''} since you looked; yours, “${show(value)}”, was not written. `,
          ),
          el(
            'button',
            { type: 'button', class: 'retry', onclick: () => setField(row, value, row.base) },
            `set “${show(value)}” anyway`,
          ),
          ' ',
          el(
            'button',
            {
              type: 'button',
              onclick: () => {
                row.conflict.hidden = true;
                row.dirty = false;
                drawField(row.spec.name);
              },
            },
            'keep theirs',
          ),
        );
        row.conflict.hidden = false;
      } else row.error.textContent = String(e.message || e);
    }
  }

  function mergeFields(next) {
    for (const [name, f] of Object.entries(next || {})) {
      if (fields[name] && fields[name].version >= f.version) continue;
      fields[name] = f;
      drawField(name);
    }
  }

  // ---- comments ---------------------------------------------------------------------------------

  function commentItem(c) {
    const item = {
      comment: c,
      editing: false,
      head: el('div', { class: 'comment-head' }),
      body: el('p', { class: 'comment-text' }),
      editButton: el('button', { type: 'button', class: 'edit link' }, 'edit'),
      editor: el('div', { class: 'comment-editor', hidden: true }),
    };
    item.editButton.addEventListener('click', () => openEditor(item));
    item.node = el(
      'li',
      { class: 'comment', 'data-comment': c.id },
      item.head,
      item.body,
      item.editButton,
      item.editor,
    );
    // in the order they were added (ids count up), whichever way they arrive
    const n = Number(c.id.slice(1));
    const after = [...comments.values()].find((x) => Number(x.comment.id.slice(1)) > n);
    comments.set(c.id, item);
    thread.insertBefore(item.node, after ? after.node : null);
    return item;
  }

  function drawComment(item) {
    const c = item.comment;
    item.node.setAttribute('data-version', String(c.version));
    item.head.replaceChildren(
      el('b', { class: 'author' }, c.author),
      ' ',
      el('span', { class: 'muted' }, fmtTime(c.at)),
      c.edited
        ? el(
            'span',
            { class: 'muted edited', title: `edited ${fmtTime(c.edited)}` },
            ` · edited${c.editedBy ? ` by ${c.editedBy}` : ''} ${fmtTime(c.edited)}`,
          )
        : '',
    );
    item.body.textContent = c.text;
    item.editButton.hidden = !!readOnly || item.editing;
    if (item.editing && item.base !== c.version && item.drift)
      item.drift.textContent = `${c.editedBy || c.author} changed it while you edit; saving will show you their text first.`;
  }

  function openEditor(item) {
    const area = el('textarea', { rows: 3, maxlength: 8192, 'aria-label': 'edit the comment' });
    area.value = item.comment.text;
    item.base = item.comment.version;
    item.baseText = item.comment.text;
    item.editing = true;
    item.drift = el('p', { class: 'muted' });
    const conflict = el('div', { class: 'conflict', role: 'alert', hidden: true });
    const error = el('span', { class: 'error' });
    const close = () => {
      item.editing = false;
      item.editor.hidden = true;
      item.editor.replaceChildren();
      drawComment(item);
    };
    const save = async () => {
      error.textContent = '';
      try {
        const written = await patch(`${base}/comments/${encodeURIComponent(item.comment.id)}`, {
          text: area.value,
          baseVersion: item.base,
        });
        mergeComment(written.comment);
        close();
      } catch (e) {
        if (refused(e)) return close();
        const now = e.details?.current?.comment;
        if (e.code === 'COLLAB_ANNOTATION_CONFLICT' && now) {
          mergeComment(now);
          // the user has now seen the current text: a retry is based on it
          const seenBase = item.baseText;
          item.base = now.version;
          item.baseText = now.text;
          item.drift.textContent = '';
          conflict.replaceChildren(
            el(
              'p',
              {},
              `${now.editedBy || now.author} edited this comment since you opened it${now.edited ? ` (${fmtTime(now.edited)})` : ''}; yours was not saved. It reads now:`,
            ),
            el('pre', { class: 'current-text' }, now.text),
            el(
              'button',
              {
                type: 'button',
                class: 'merge',
                onclick: () => {
                  area.value = mergeTexts(seenBase, now.text, area.value);
                },
              },
              'put both in the box',
            ),
            ' ',
            el('span', { class: 'muted' }, 'then save again, or save yours as it is'),
          );
          conflict.hidden = false;
        } else error.textContent = String(e.message || e);
      }
    };
    item.editor.replaceChildren(
      area,
      item.drift,
      conflict,
      el(
        'div',
        {},
        el('button', { type: 'button', class: 'save', onclick: save }, 'save'),
        ' ',
        el('button', { type: 'button', class: 'cancel', onclick: close }, 'cancel'),
        ' ',
        error,
      ),
    );
    item.editor.hidden = false;
    item.editButton.hidden = true;
    area.focus();
  }

  function mergeComment(c) {
    const item = comments.get(c.id);
    if (item && item.comment.version >= c.version) return;
    if (item) item.comment = c;
    drawComment(item || commentItem(c));
    count.textContent = `(${comments.size})`;
  }

  function merge(annotation) {
    mergeFields(annotation.fields);
    for (const c of annotation.comments) mergeComment(c);
    if (!comments.size) count.textContent = '(none yet)';
  }

  composer.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    addError.textContent = '';
    if (!text.value.trim()) return;
    addButton.disabled = true;
    try {
      const written = await post(`${base}/comments`, { text: text.value });
      text.value = '';
      mergeComment(written.comment);
    } catch (e) {
      if (!refused(e)) addError.textContent = String(e.message || e);
    } finally {
      addButton.disabled = false;
    }
  });

  drawReadOnly();
  count.textContent = '(loading…)';
  // who the token is (GET /v1/me): a viewer sees the section read-only before any refused write
  api('/v1/me')
    .then((me) => {
      if (me.role !== 'viewer' || readOnly) return;
      readOnly =
        me.name === 'anonymous'
          ? 'without a token this page only reads; type a developer token of your tenant above to annotate'
          : `the token "${me.name}" is a viewer of tenant ${me.tenant}; annotating needs a developer`;
      drawReadOnly();
    })
    .catch(() => {});

  return {
    node,
    /** an `annotation` event of the live stream */
    apply(e) {
      if (e.generationId !== id) return;
      if (e.change.kind === 'fields') mergeFields(e.change.fields);
      else mergeComment(e.change.comment);
    },
    /** reads the annotation again (at the start, and after a `reload`); versions keep what is newer */
    async refresh() {
      try {
        merge(await api(`${base}/annotation`));
      } catch (e) {
        count.textContent = `(not read: ${e.message || e})`;
      }
    },
  };
}
