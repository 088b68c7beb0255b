/** At most `max` tasks at once; the rest wait in order. A waiting task whose signal aborts leaves the queue. */
export interface Limiter {
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly active: number;
  readonly waiting: number;
}

export function createLimiter(max: number): Limiter {
  if (!(max >= 1)) throw new RangeError(`concurrency must be at least 1, got ${max}`);
  let active = 0;
  const queue: { start: () => void; drop: () => void }[] = [];
  const next = () => {
    while (active < max && queue.length) queue.shift()?.start();
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    run(task, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const entry = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            // aborted while its turn came (the abort event may still be on its way): never start it
            if (signal?.aborted) return reject(signal.reason);
            active++;
            Promise.resolve()
              .then(() => {
                if (signal?.aborted) throw signal.reason;
                return task();
              })
              .then(resolve, reject)
              .finally(() => {
                active--;
                next();
              });
          },
          drop: () => reject(signal?.reason),
        };
        const onAbort = () => {
          const i = queue.indexOf(entry);
          if (i >= 0) {
            queue.splice(i, 1);
            entry.drop();
          }
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(entry);
        next();
      });
    },
  };
}
