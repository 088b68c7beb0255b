// The node's HTTP API from the page: the token (typed into the header, kept for the tab) on every
// request, errors as the node words them, and server-sent events read from a fetch stream (an
// EventSource cannot send the token).

const KEY = 'weavergen.token';
export const token = {
  get: () => sessionStorage.getItem(KEY) || '',
  set: (t) => sessionStorage.setItem(KEY, t.trim()),
};

export function headers(json) {
  const h = {};
  const t = token.get();
  if (t) h.authorization = `Bearer ${t}`;
  if (json) h['content-type'] = 'application/json';
  return h;
}

/** The node's refusal: its message, with the HTTP status, the error code and its details (a 409's current state). */
function refusal(res, body) {
  const e = new Error(body.error?.message || `HTTP ${res.status}`);
  e.status = res.status;
  e.code = body.error?.code;
  e.details = body.error?.details;
  return e;
}

export async function api(path, init) {
  const res = await fetch(path, init || { headers: headers(false) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw refusal(res, body);
  return body;
}

export const post = (path, body) =>
  api(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body ?? {}) });

export const put = (path, body) =>
  api(path, { method: 'PUT', headers: headers(true), body: JSON.stringify(body ?? {}) });

export const patch = (path, body) =>
  api(path, { method: 'PATCH', headers: headers(true), body: JSON.stringify(body ?? {}) });

/** Reads an SSE stream, calling onEvent with each event's parsed data, until it ends or `signal` aborts. */
export async function events(path, onEvent, signal) {
  const res = await fetch(path, { headers: headers(false), signal });
  if (!res.ok || !res.body) throw refusal(res, await res.json().catch(() => ({})));
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.replace(/^data: ?/, ''))
        .join('\n');
      if (data) onEvent(JSON.parse(data));
      end = buffer.indexOf('\n\n');
    }
  }
}

/** Downloads a file the API serves (with the token), under its own name. */
export async function download(url, name) {
  const res = await fetch(url, { headers: headers(false) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
