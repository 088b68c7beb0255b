import { type Context, type Emitter, type Liquid, RenderTag } from 'liquidjs';

/**
 * Renders of `{% render 'partial', arg: value ... %}` kept by their arguments, per engine (one per
 * pack and limits, kept by the render process between requests). A partial rendered with `render`
 * sees only its arguments (Liquid's isolated scope) and the pack's filters are pure, so the same
 * partial with the same arguments writes the same text: after a one-file edit of a registry, the
 * attributes that did not change are not rendered again. Arguments are keyed by their content (the
 * registry arrives as a new object graph each time), and only when small: a partial given the whole
 * registry is rendered every time, as is one with `with`/`for` or a computed name.
 */
export interface PartialMemo {
  stats(): { hits: number; misses: number; skipped: number; entries: number; chars: number };
}

/** The renders kept, shared by every engine of a process and bounded together (least recently used out). */
export function createPartialMemo(maxChars = 8 * 1024 * 1024): PartialMemo & {
  get(key: string): string | undefined;
  set(key: string, text: string): void;
  count(what: 'hits' | 'misses' | 'skipped'): void;
} {
  const memo = new Map<string, string>();
  let chars = 0;
  const counts = { hits: 0, misses: 0, skipped: 0 };
  return {
    get(key) {
      const text = memo.get(key);
      if (text !== undefined) {
        memo.delete(key);
        memo.set(key, text);
      }
      return text;
    },
    set(key, text) {
      if (key.length + text.length > maxChars) return;
      const old = memo.get(key);
      if (old !== undefined) chars -= key.length + old.length;
      memo.delete(key);
      memo.set(key, text);
      chars += key.length + text.length;
      for (const [k, v] of memo) {
        if (chars <= maxChars) break;
        memo.delete(k);
        chars -= k.length + v.length;
      }
    },
    count: (what) => {
      counts[what]++;
    },
    stats: () => ({ ...counts, entries: memo.size, chars }),
  };
}

export type PartialStore = ReturnType<typeof createPartialMemo>;
let engines = 0;

/** Characters of arguments past which a render is not memoised (the key would cost more than the render). */
const MAX_KEY_CHARS = 16 * 1024;

/** Makes `engine`'s render tag keep its renders in `store` (under a prefix of this engine's own: packs differ). */
export function memoizePartials(engine: Liquid, store: PartialStore): void {
  const prefix = `e${++engines}\u0000`;
  class MemoRenderTag extends RenderTag {
    override *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
      const self = this as unknown as RenderTagInternals;
      if (self.with || self.forBinding || typeof self.file !== 'string') {
        store.count('skipped');
        yield* super.render(ctx, emitter);
        return;
      }
      const args = (yield self.hash.render(ctx)) as Record<string, unknown>;
      const argsKey = keyOf(self.file, args);
      const key = argsKey === undefined ? undefined : prefix + argsKey;
      const known = key === undefined ? undefined : store.get(key);
      if (known !== undefined) {
        store.count('hits');
        emitter.write(known);
        return;
      }
      // what RenderTag does without with/for, the arguments evaluated once
      const child = ctx.spawn();
      Object.assign(child.bottom(), args);
      const templates = yield self.liquid._parsePartialFile(self.file, child.sync, self.currentFile);
      if (key === undefined) {
        store.count('skipped');
        yield self.liquid.renderer.renderTemplates(templates, child, emitter);
        return;
      }
      store.count('misses');
      const captured = new (emitter.constructor as new () => { buffer: string })();
      yield self.liquid.renderer.renderTemplates(templates, child, captured);
      store.set(key, captured.buffer);
      emitter.write(captured.buffer);
    }
  }
  engine.registerTag('render', MemoRenderTag as never);
}

/** RenderTag's fields this subclass reads (LiquidJS keeps them public but untyped). */
interface RenderTagInternals {
  file: unknown;
  currentFile?: string;
  with?: unknown;
  forBinding?: unknown;
  hash: { render(ctx: Context): unknown };
  liquid: {
    _parsePartialFile(file: string, sync: boolean, currentFile?: string): unknown;
    renderer: { renderTemplates(templates: unknown, ctx: Context, emitter: unknown): unknown };
  };
}

/**
 * The partial's name and its arguments as text, or undefined when an argument is large (past
 * MAX_KEY_CHARS) or not plain data (a drop, a function, a non-finite number): those could render
 * differently with the same text, or cost more to key than to render.
 */
export function keyOf(file: string, args: Record<string, unknown>): string | undefined {
  let key = file;
  for (const k of Object.keys(args).sort()) {
    const v = argText(args[k]);
    if (v === undefined) return undefined;
    key += `\u0000${k}=${v}`;
    if (key.length > MAX_KEY_CHARS) return undefined;
  }
  return key;
}

/**
 * Each object's content, as a number, kept by identity: the same attribute is passed to several
 * partials and files of one render, and the model is never changed once built (Liquid cannot assign
 * into it, its filters copy). Equal texts get the same number, so a registry loaded again (new
 * objects, same content) finds its renders; keys stay short, which keeps the lookups cheap.
 * null: not keyable.
 */
const ids = new WeakMap<object, number | null>();
const byText = new Map<string, number>();
let textChars = 0;
let nextId = 0;
/** characters of texts numbered before the table starts again (numbers are never reused: no false hit) */
const MAX_TEXT_CHARS = 8 * 1024 * 1024;

function argText(v: unknown): string | undefined {
  if (v === undefined) return 'u';
  if (v === null || typeof v !== 'object') return plainScalar(v) ? JSON.stringify(v) : undefined;
  let id = ids.get(v);
  if (id === undefined) {
    // count first, with a bound: stringifying the whole registry to find it too large would cost more than it saves
    const text = plainAndSmall(v, { nodes: MAX_KEY_CHARS / 8 }) ? JSON.stringify(v) : undefined;
    if (text === undefined || text.length > MAX_KEY_CHARS) id = null;
    else {
      id = byText.get(text);
      if (id === undefined) {
        if (textChars + text.length > MAX_TEXT_CHARS) {
          byText.clear();
          textChars = 0;
        }
        id = ++nextId;
        byText.set(text, id);
        textChars += text.length;
      }
    }
    ids.set(v, id);
  }
  return id === null ? undefined : `#${id}`;
}

const plainScalar = (v: unknown) =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** Arrays, plain objects and JSON scalars only, and at most `budget.nodes` of them. */
function plainAndSmall(v: unknown, budget: { nodes: number }): boolean {
  if (--budget.nodes < 0) return false;
  if (v === null || v === undefined) return true;
  if (typeof v !== 'object') return plainScalar(v);
  if (Array.isArray(v)) return v.every((x) => plainAndSmall(x, budget));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in v) if (!plainAndSmall((v as Record<string, unknown>)[k], budget)) return false;
  return true;
}
