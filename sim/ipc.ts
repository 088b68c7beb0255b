import type { ChildProcess } from 'node:child_process';

/**
 * Request/response over a forked process's IPC channel (the pattern of bench/network.ts, whose
 * class is not exported): the parent side, and the child side's loop.
 */
interface Reply {
  sim: true;
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class WorkerProcess {
  private next = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;
  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
      child.on('message', (m: Reply) => {
        // only this protocol's messages: a module the worker imports may answer on the channel too
        // (node/generation/pool.ts loads render-process.js, whose handler replies to every message)
        if (m?.sim !== true) return;
        if (m.id === 0) return resolve();
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        if (m.ok) w.resolve(m.result);
        else w.reject(new Error(m.error));
      });
    });
    child.on('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('worker exited'));
      this.waiting.clear();
    });
  }
  call<T>(cmd: string, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ sim: true, id, cmd, args });
    });
  }
}

type Request = { sim: true; id: number; cmd: string; args: unknown[] };

/** The child's side: answers each request with its handler's result; exits after `stop`. */
export function serve(handlers: Record<string, (...args: never[]) => unknown>): void {
  if (!process.send) throw new Error('not a forked process');
  const running = new Set<string>();
  if (process.env.SIM_DEBUG) {
    let last = performance.now();
    setInterval(() => {
      const t = performance.now();
      if (t - last > 1000)
        console.error(
          `worker ${process.pid}: event loop stalled ${(t - last).toFixed(0)} ms during ${[...running].join(',') || 'gossip'}`,
        );
      last = t;
    }, 50).unref();
  }
  process.on('message', async (m: Request) => {
    if (m?.sim !== true) return;
    running.add(m.cmd);
    try {
      const fn = handlers[m.cmd] as ((...a: unknown[]) => unknown) | undefined;
      if (!fn) throw new Error(`unknown command ${m.cmd}`);
      const result = await fn(...m.args);
      running.delete(m.cmd);
      process.send?.({ sim: true, id: m.id, ok: true, result }, undefined, {}, () => {
        if (m.cmd === 'stop') process.exit(0);
      });
    } catch (e) {
      process.send?.({
        sim: true,
        id: m.id,
        ok: false,
        error: `${m.cmd}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      });
    }
  });
  // a parent killed by a signal never sends 'stop': without this its workers kept gossiping
  process.once('disconnect', () => process.exit(0));
  process.send({ sim: true, id: 0, ok: true, result: 'ready' });
}
