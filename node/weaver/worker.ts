import { parentPort, workerData } from 'node:worker_threads';
import { isWeaverError } from '../../errors/index.js';
import { type RenderTargetRequest, renderTarget } from './engine.js';

/** A worker thread renders one target; the parent stops it when it runs past its time. */
const req = workerData as RenderTargetRequest;
renderTarget(req).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (e: unknown) =>
    parentPort?.postMessage({
      ok: false,
      error: isWeaverError(e)
        ? { type: e.type, message: e.message }
        : { message: String((e as Error)?.message ?? e) },
    }),
);
