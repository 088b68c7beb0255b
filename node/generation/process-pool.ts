import { type ChildProcess, fork } from 'node:child_process';

/**
 * A small pool of Node child processes, reused across tasks: one task per process at a time, a
 * process killed (SIGKILL) when its task runs over, started again on demand. Processes rather than
 * worker threads: a worker thread that reaches its heap limit while growing one large array or
 * string can abort the whole process (FATAL ERROR: Reached heap limit; nodejs/node#47224), so a
 * thread's heap limit is no backstop against a hostile template. A child process that runs out of
 * heap dies alone.
 */
export interface ProcessPoolOptions {
  /** the compiled entry module of the processes */
  file: string;
  /** processes at most */
  max: number;
  /** `--max-old-space-size` of each process */
  heapMb: number;
  /** an idle process beyond the first is stopped after this */
  idleTimeoutMs: number;
}

export interface Slot {
  readonly child: ChildProcess;
  busy: boolean;
  dead: boolean;
  /** the end of the process's stderr (V8 writes why it aborted there) */
  stderr: string;
  /** keys of what the process keeps between tasks (its registries), oldest first */
  held: string[];
  /** keys of the packs it rendered last, newest first: it keeps their parsed templates and partial renders */
  warm: string[];
  /** the running task's handlers */
  onMessage?: (m: unknown) => void;
  onExit?: (code: number | null, signal: NodeJS.Signals | null, stderr: string) => void;
  idleTimer?: NodeJS.Timeout;
}

interface Waiter {
  resolve(slot: Slot): void;
  reject(e: unknown): void;
}

export class ProcessPool {
  private readonly slots = new Set<Slot>();
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(private readonly opts: ProcessPoolOptions) {}

  /**
   * A process for one task: an idle one (one `prefer` picks, if any), a new one under `max`, or the
   * next one released. Time waiting here is nobody's budget.
   */
  acquire(signal?: AbortSignal, prefer?: (slot: Slot) => boolean): Promise<Slot> {
    if (this.closed) return Promise.reject(new Error('the render pool is closed'));
    const free = [...this.slots].filter((s) => !s.busy && !s.dead);
    // among idle processes, the one that has what this task needs warm
    const idle = (prefer && free.find(prefer)) || free[0];
    if (idle) return Promise.resolve(this.take(idle));
    if (this.slots.size < this.opts.max) return Promise.resolve(this.take(this.spawn()));
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (s) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject,
      };
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error('render cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** The task is over and the process healthy: it serves the next task. */
  release(slot: Slot): void {
    slot.busy = false;
    slot.onMessage = slot.onExit = undefined;
    if (slot.dead) {
      this.wake();
      return;
    }
    const next = this.waiters.shift();
    if (next) next.resolve(this.take(slot));
    else this.idle(slot);
  }

  /** Kills the process at once (SIGKILL: a synchronous render cannot be asked to stop). */
  kill(slot: Slot): void {
    if (!slot.dead) {
      slot.dead = true;
      this.slots.delete(slot);
      slot.child.kill('SIGKILL');
    }
    slot.onMessage = slot.onExit = undefined;
    this.wake();
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('the render pool is closed'));
    for (const s of [...this.slots]) this.kill(s);
  }

  private take(slot: Slot): Slot {
    clearTimeout(slot.idleTimer);
    slot.busy = true;
    // a task in flight keeps this process alive; an idle pool does not
    slot.child.ref();
    slot.child.channel?.ref();
    return slot;
  }

  private idle(slot: Slot): void {
    slot.child.unref();
    slot.child.channel?.unref();
    const others = [...this.slots].filter((s) => s !== slot && !s.busy);
    if (others.length > 0) {
      slot.idleTimer = setTimeout(() => {
        if (!slot.busy) this.kill(slot);
      }, this.opts.idleTimeoutMs);
      slot.idleTimer.unref();
    }
  }

  /** A process ended or was killed: a waiting task gets a new one. */
  private wake(): void {
    if (this.closed || this.waiters.length === 0 || this.slots.size >= this.opts.max) return;
    this.waiters.shift()!.resolve(this.take(this.spawn()));
  }

  private spawn(): Slot {
    const child = fork(this.opts.file, [], {
      execArgv: [`--max-old-space-size=${this.opts.heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const slot: Slot = { child, busy: false, dead: false, stderr: '', held: [], warm: [] };
    this.slots.add(slot);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      slot.stderr = (slot.stderr + d).slice(-4096);
    });
    // the stderr pipe must not keep an idle pool's owner alive either
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    child.on('message', (m) => slot.onMessage?.(m));
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      const onExit = slot.onExit;
      const wasDead = slot.dead;
      slot.dead = true;
      this.slots.delete(slot);
      slot.onMessage = slot.onExit = undefined;
      clearTimeout(slot.idleTimer);
      onExit?.(code, signal, slot.stderr);
      if (!wasDead) this.wake();
    };
    // 'close', not 'exit': by then the whole of stderr is read (V8 says there why it aborted)
    child.on('close', ended);
    child.on('error', () => ended(null, null));
    return slot;
  }
}
