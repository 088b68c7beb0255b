// The tenant's live stream (GET /v1/events) for a page: read from a fetch stream with the token (an
// EventSource cannot send it), reconnected after a drop with Last-Event-ID so the events missed
// meanwhile are replayed; when the node no longer holds them it says `reload` and the page reads
// its state again.
import { headers } from './api.js';

/** Waits `ms`, or less when `signal` aborts. */
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** Splits a server-sent-events block into its fields. */
function parseBlock(block) {
  const out = { event: 'message', data: [] };
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') out.event = value;
    else if (name === 'data') out.data.push(value);
    else if (name === 'id') out.id = value;
    else if (name === 'retry' && /^\d+$/.test(value)) out.retry = Number(value);
  }
  return out;
}

/**
 * Follows GET /v1/events until stop() is called.
 * - onEvent(type, data): each event (generation, progress, result, rating, pack-install, annotation)
 * - onOpen(ready): each time a stream opens (`ready.resumed` when it resumes after Last-Event-ID)
 * - onReload(): the events missed are no longer held: read the state again
 * - onState(state, message): 'connecting', 'live', 'reconnecting' (with why)
 */
export function follow({ onEvent, onOpen, onReload, onState }) {
  const stopped = new AbortController();
  let lastEventId;
  let request;
  let retryMs = 2000;
  /** failed connections since a stream last opened */
  let failures = 0;
  const state = (s, message) => onState?.(s, message);

  async function connect() {
    request = new AbortController();
    const stop = () => request.abort();
    stopped.signal.addEventListener('abort', stop);
    try {
      const h = headers(false);
      if (lastEventId) h['last-event-id'] = lastEventId;
      const res = await fetch('/v1/events', { headers: h, signal: request.signal, cache: 'no-store' });
      if (!res.ok || !res.body) {
        const body = await res.json().catch(() => ({}));
        return { failed: body.error?.message || `HTTP ${res.status}`, status: res.status };
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { failed: 'the stream ended' };
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
          const block = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          if (block.retry) retryMs = block.retry;
          if (block.id) lastEventId = block.id;
          if (!block.data.length) continue;
          let data;
          try {
            data = JSON.parse(block.data.join('\n'));
          } catch {
            continue;
          }
          if (block.event === 'ready') {
            failures = 0;
            state('live');
            onOpen?.(data);
          } else if (block.event === 'reload') onReload?.(data);
          else if (block.event === 'lagged') state('reconnecting', data.message);
          else onEvent?.(block.event, data);
        }
      }
    } catch (e) {
      return { failed: String(e?.message || e) };
    } finally {
      stopped.signal.removeEventListener('abort', stop);
    }
  }

  (async () => {
    state('connecting');
    while (!stopped.signal.aborted) {
      const { failed, status } = await connect();
      if (stopped.signal.aborted) return;
      // a refused token is not retried quickly: the page says why, and a new token restarts the stream
      const refused = status === 401 || status === 403;
      failures = Math.min(failures + 1, 4);
      state('reconnecting', failed);
      const wait = refused ? 30_000 : Math.min(retryMs * 2 ** (failures - 1), 15_000);
      await sleep(wait, stopped.signal);
    }
  })();

  return {
    stop: () => stopped.abort(),
    /** the id a reconnect resumes after */
    get lastEventId() {
      return lastEventId;
    },
  };
}

/** A line saying whether the page is live: its node, and the onState to give follow(). */
export function liveBadge() {
  const node = document.createElement('span');
  node.id = 'live-state';
  node.setAttribute('role', 'status');
  const onState = (s, why) => {
    node.className = `live-state ${s === 'live' ? 'good' : 'muted'}`;
    node.textContent =
      s === 'live' ? '● live' : s === 'connecting' ? 'connecting…' : `reconnecting… (${why || 'dropped'})`;
  };
  onState('connecting');
  return { node, onState };
}
