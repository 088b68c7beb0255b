import { parentPort } from 'node:worker_threads';
import { loadRegistry, registryContentHash } from './index.js';
import { type LoadReply, type LoadRequest, toThrownInWorker } from './load-off-thread.js';

/**
 * A registry load worker (load-off-thread.ts): loads (or hashes) the registries it is sent, one at
 * a time, and answers each with the LoadResult (or the hash) or the error it threw, in a form
 * structured clone carries intact (the main side re-creates the error's class).
 */
const port = parentPort;
if (!port)
  throw new Error('load-worker.js is a worker thread of the node: it is started by loadRegistryOffThread');

port.on('message', async ({ id, dir, options, hash }: LoadRequest) => {
  let reply: LoadReply;
  try {
    reply = {
      id,
      ok: true,
      result: hash ? await registryContentHash(dir, options.dependencies) : await loadRegistry(dir, options),
    };
  } catch (e) {
    reply = { id, ok: false, error: toThrownInWorker(e) };
  }
  try {
    port.postMessage(reply);
  } catch (e) {
    // a result structured clone cannot carry (it never should: the model is plain data)
    port.postMessage({ id, ok: false, error: toThrownInWorker(e) } satisfies LoadReply);
  }
});
