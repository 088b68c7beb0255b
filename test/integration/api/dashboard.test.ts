import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_HTML } from '../../../node/api/dashboard.js';
import { type Harness, MINI_REGISTRY, startHarness } from './harness.js';

/**
 * The dashboard's own script, run against the real server with a minimal DOM: the ids it looks up
 * must exist in the page, the lists fill from the API, and the form starts a generation with the
 * typed token and follows it over the event stream to its result.
 */
class FakeNode {}

class FakeElement extends FakeNode {
  children: (FakeElement | string)[] = [];
  attributes: Record<string, string> = {};
  listeners: Record<string, ((e: unknown) => unknown)[]> = {};
  className = '';
  value = '';
  checked = false;
  scrollTop = 0;
  scrollHeight = 0;
  constructor(readonly tag: string) {
    super();
  }
  setAttribute(k: string, v: string) {
    this.attributes[k] = v;
  }
  addEventListener(type: string, f: (e: unknown) => unknown) {
    this.listeners[type] = [...(this.listeners[type] ?? []), f];
  }
  append(...c: (FakeElement | string)[]) {
    this.children.push(...c);
  }
  replaceChildren(...c: (FakeElement | string)[]) {
    this.children = [...c];
  }
  get textContent(): string {
    return this.children.map((c) => (typeof c === 'string' ? c : c.textContent)).join('');
  }
  set textContent(v: string) {
    this.children = v ? [String(v)] : [];
  }
}

let h: Harness;
const ids = [...DASHBOARD_HTML.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
const elements = new Map(ids.map((id) => [id, new FakeElement(id)]));
const languages = [...DASHBOARD_HTML.matchAll(/name="lang" value="(\w+)"( checked)?/g)].map((m) => {
  const e = new FakeElement('input');
  e.value = m[1];
  e.checked = !!m[2];
  return e;
});
const unknownIds: string[] = [];
const storage = new Map<string, string>();

const until = async (check: () => boolean, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return check();
};

beforeAll(async () => {
  h = await startHarness();
  const document = {
    getElementById(id: string) {
      const e = elements.get(id);
      if (!e) unknownIds.push(id);
      return e;
    },
    createElement: (tag: string) => new FakeElement(tag),
    querySelectorAll: (sel: string) => {
      expect(sel).toBe('input[name=lang]:checked');
      return languages.filter((l) => l.checked);
    },
  };
  const sessionStorage = {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => storage.set(k, v),
  };
  const relativeFetch = (path: string, init?: RequestInit) => fetch(`${h.url}${path}`, init);
  const noInterval = () => 0;
  const script = /<script>([\s\S]*)<\/script>/.exec(DASHBOARD_HTML)![1];
  new Function('document', 'sessionStorage', 'fetch', 'setInterval', 'Node', script)(
    document,
    sessionStorage,
    relativeFetch,
    noInterval,
    FakeNode,
  );
});

afterAll(async () => {
  await h?.stop();
});

const el = (id: string) => elements.get(id)!;

describe('the dashboard page', () => {
  it('offers every language, typescript checked', () => {
    expect(languages.map((l) => l.value)).toEqual(['typescript', 'python', 'go', 'rust', 'java']);
    expect(languages.filter((l) => l.checked).map((l) => l.value)).toEqual(['typescript']);
  });

  it('fills health, generations and insights from the API on load, looking up only ids the page has', async () => {
    expect(await until(() => el('health').textContent.startsWith('ok'))).toBe(true);
    expect(el('health').textContent).toMatch(/in flight 0/);
    expect(await until(() => el('generations').textContent.includes('no generations yet'))).toBe(true);
    expect(await until(() => el('contexts').textContent.includes('nothing learned yet'))).toBe(true);
    expect(unknownIds).toEqual([]);
  });

  it('says in one line what the node shares with the network', async () => {
    expect(await until(() => el('sharing').textContent.startsWith('Network sharing: '))).toBe(true);
    expect(el('sharing').textContent).toMatch(
      /receive-only: this node publishes nothing and learns from peers/,
    );
  });

  it('without a token, starting a generation shows the 401 message', async () => {
    el('registry').value = MINI_REGISTRY;
    await el('generate').listeners.submit[0]({ preventDefault() {} });
    expect(el('generate-error').textContent).toMatch(/missing bearer token.*token/);
  });

  it('with the typed token, the form starts a generation and follows it to the result', async () => {
    el('token').value = h.token;
    await el('token').listeners.change[0]({});
    expect(storage.get('weavergen.token')).toBe(h.token);
    languages.find((l) => l.value === 'python')!.checked = true;
    await el('generate').listeners.submit[0]({ preventDefault() {} });
    expect(el('generate-error').textContent).toBe('');
    expect(await until(() => /result: succeeded/.test(el('progress').textContent))).toBe(true);
    const log = el('progress').textContent;
    expect(log).toMatch(/typescript: done/);
    expect(log).toMatch(/python: done/);
    expect(log).toMatch(
      /result: succeeded · typescript q \d\.\d{3}, python q \d\.\d{3}|result: succeeded · python q \d\.\d{3}, typescript q \d\.\d{3}/,
    );

    const [record] = (await (await h.call('/v1/generations')).json()).generations;
    // the list shows it with its per-language quality; the detail view its decisions
    expect(await until(() => el('generations').textContent.includes(`${record.id}succeeded`))).toBe(true);
    expect(el('generations').textContent).toMatch(/typescript \d\.\d{3}/);
    expect(await until(() => el('detail').textContent.includes('decisions'))).toBe(true);
    expect(el('detail').textContent).toContain(record.id);
    expect(el('detail').textContent).toContain(MINI_REGISTRY);
    expect(await until(() => el('contexts').textContent.includes('typescript|'))).toBe(true);
    expect(unknownIds).toEqual([]);
  });
});
