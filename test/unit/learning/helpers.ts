import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerationContext } from '../../../node/learning/context.js';
import { type ArmRef, armKey, candidateAttributes, type Usage } from '../../../node/learning/features.js';
import { createStore, type Store } from '../../../node/storage/index.js';
import { SPAN } from '../../../node/telemetry/conventions.js';
import type { SpanRecord } from '../../../node/telemetry/span-record.js';

/** A fresh LevelDB store in a temp folder; `cleanup` closes it (if open) and removes the folder. */
export async function tempStore(): Promise<{ store: Store; path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'weavergen-learning-'));
  const store = await createStore({ path });
  return {
    store,
    path,
    cleanup: async () => {
      await store.close().catch(() => undefined);
      await rm(path, { recursive: true, force: true });
    },
  };
}

export const TS_CONTEXT: GenerationContext = {
  language: 'typescript',
  generator: 'builtin',
  sizeBucket: 's',
  hasEnums: true,
  hasTemplates: true,
  hasDeprecated: false,
  hasMetrics: true,
};

export function arm(packName: string, params: Record<string, string>, model = 'builtin'): ArmRef {
  const packId = `cid-${packName}`;
  const paramsHash = Object.keys(params)
    .sort()
    .map((k) => `${k}.${params[k]}`)
    .join('_');
  return { key: armKey({ packId, paramsHash, model }), packId, packName, params, paramsHash, model };
}

let counter = 0;

/** A candidate span record as the exporter stores it (for tests that do not need a real tracer). */
export function candidateSpan(
  context: GenerationContext,
  a: ArmRef,
  q: number,
  compiled: 0 | 1 | null = 1,
  at = 1_700_000_000_000,
  usage?: Usage,
): SpanRecord {
  counter++;
  const spanId = counter.toString(16).padStart(16, '0');
  return {
    traceId: `trace${counter.toString(16).padStart(27, '0')}`,
    spanId,
    name: SPAN.candidate,
    kind: 0,
    startTime: at + counter,
    endTime: at + counter + 5,
    durationMs: 5,
    status: { code: 1 },
    attributes: {
      'weavergen.generation.id': `g${counter}`,
      ...candidateAttributes(
        context,
        a,
        {
          q,
          components: { compiled, completeness: 1, naming: 1, documentation: q, deprecation: 1, warnings: 1 },
        },
        usage,
      ),
    },
    events: [],
  };
}
