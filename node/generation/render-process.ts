/**
 * A render process of the pool (pool.ts): renders one candidate's pack at a time and answers with its
 * files and scope, or with the error as data (a class does not cross the process boundary). The node
 * may kill it at any time (a budget spent); nothing here needs cleaning up. It ends with its node.
 */
import type { Liquid } from 'liquidjs';
import { isWeaverError } from '../../errors/index.js';
import type { Pack } from '../packs/index.js';
import type { EmitScope } from '../validation/expected.js';
import type { GenerationErrorType } from './errors.js';
import { HELD_REGISTRIES } from './held.js';
import { createPartialMemo } from './partial-memo.js';
import {
  createEngine,
  type GeneratedFile,
  type RenderLimits,
  renderPackSync,
  renderScope,
} from './render.js';
import type { TemplateRegistry } from './template-model.js';

export interface RenderRequest {
  id: number;
  pack: Pack;
  /** content hash of the pack and limits: the process keeps the parsed templates under it */
  packKey: string;
  /** the registry is sent once per process and kept under its key (at most HELD_REGISTRIES, least recently used out) */
  registryKey: string;
  registry?: TemplateRegistry;
  params: Record<string, string>;
  limits: RenderLimits;
}

export type RenderReply =
  | { ok: true; files: GeneratedFile[]; scope: EmitScope; renderMs: number }
  | { ok: false; message: string; type?: GenerationErrorType; missingRegistry?: boolean };

export type RenderMessage = { id: number; template: string } | { id: number; reply: RenderReply };

const MAX_ENGINES = 8;

/** Least recently used first; `get` moves a key to the end. */
function lru<V>(max: number) {
  const map = new Map<string, V>();
  return {
    get(key: string): V | undefined {
      const v = map.get(key);
      if (v !== undefined) {
        map.delete(key);
        map.set(key, v);
      }
      return v;
    },
    set(key: string, v: V): void {
      map.delete(key);
      map.set(key, v);
      if (map.size > max) map.delete(map.keys().next().value!);
    },
  };
}

const registries = lru<TemplateRegistry>(HELD_REGISTRIES);
/** Parsed templates per pack: a candidate's variants and the next round render the same pack again. */
const engines = lru<Liquid>(MAX_ENGINES);
/** Renders of partials by their arguments, for every engine here: a regeneration renders only what changed. */
const partials = createPartialMemo();

function render(req: RenderRequest): RenderReply {
  const started = performance.now();
  if (req.registry) registries.set(req.registryKey, req.registry);
  const registry = registries.get(req.registryKey);
  if (!registry) return { ok: false, message: 'registry not held', missingRegistry: true };
  const engine = engines.get(req.packKey) ?? createEngine(req.pack, req.limits, partials);
  engines.set(req.packKey, engine);
  try {
    const files = renderPackSync(req.pack, registry, req.params, req.limits, engine, (template) =>
      process.send?.({ id: req.id, template } satisfies RenderMessage),
    );
    return {
      ok: true,
      files,
      scope: renderScope(req.pack, req.params),
      renderMs: performance.now() - started,
    };
  } catch (e) {
    if (isWeaverError(e)) return { ok: false, message: e.message, type: e.type as GenerationErrorType };
    return { ok: false, message: (e as Error).message ?? String(e) };
  }
}

process.on('message', (req: RenderRequest) => {
  process.send?.({ id: req.id, reply: render(req) } satisfies RenderMessage);
});
// the node went away (stopped, crashed, killed): so does its render process
process.on('disconnect', () => process.exit(0));
