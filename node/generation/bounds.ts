import { type Liquid, toValue } from 'liquidjs';

/**
 * A cap on every string a template builds. LiquidJS's `memoryLimit` only counts what its own
 * filters charge (append, concat, split, ...); text written to an output buffer is never charged, so
 * `{% capture s %}{{ s }}{{ s }}{% endcapture %}` in a loop doubles a string unchecked (and the time
 * limit is only consulted between template nodes). Every buffer LiquidJS renders into (a file's
 * output, each `capture`, each block) and every filter's result is checked against `max` here; the
 * render worker's heap limit is the backstop for whatever allocates before a check sees it.
 */
export function boundStrings(engine: Liquid, max: number): void {
  const renderer = engine.renderer;
  const renderTemplates = renderer.renderTemplates;
  // a buffer is created where none is given: a file's render, a capture, a block; loops write into their parent's
  renderer.renderTemplates = (templates, ctx, emitter) =>
    renderTemplates.call(renderer, templates, ctx, emitter ?? new BoundedEmitter(max));
  for (const [name, impl] of Object.entries(engine.filters)) {
    if (typeof impl === 'function') engine.filters[name] = bounded(impl, name, max);
    else engine.filters[name] = { ...impl, handler: bounded(impl.handler, name, max) };
  }
}

/** The message carries LiquidJS's wording (`... limit exceeded`), so the error maps like its own limits. */
export const stringLimitMessage = (max: number, where: string) =>
  `string limit exceeded: ${where} built a string of more than ${max} characters`;

// biome-ignore lint/suspicious/noExplicitAny: LiquidJS filter handlers take and return anything
type Handler = (this: any, value: any, ...args: any[]) => any;

function bounded(handler: Handler, name: string, max: number): Handler {
  return function (this: unknown, value: unknown, ...args: unknown[]) {
    const out = handler.call(this, value, ...args);
    if (typeof out === 'string' && out.length > max)
      throw new Error(stringLimitMessage(max, `filter ${name}`));
    return out;
  };
}

/** LiquidJS's SimpleEmitter (not exported) with the cap: the same stringification, checked on every write. */
class BoundedEmitter {
  buffer = '';
  constructor(private readonly max: number) {}
  write(html: unknown): void {
    this.buffer += stringify(html);
    if (this.buffer.length > this.max) throw new Error(stringLimitMessage(this.max, 'the template'));
  }
}

function stringify(value: unknown): string {
  const v = toValue(value);
  if (typeof v === 'string') return v;
  if (v == null) return '';
  if (Array.isArray(v)) return v.map(stringify).join('');
  return String(v);
}
