/** The refusal counters at one moment: the API's requests and the network's messages, by reason. */
export interface RejectionSample {
  at: number;
  requests: Record<string, number>;
  messages: Record<string, number>;
}

export interface RejectionHistory {
  /** the samples kept, oldest first, and the counters now as the last one */
  samples(): RejectionSample[];
  stop(): void;
}

/**
 * Refusals over time, for the dashboard: the counters (which only grow) sampled every `everyMs`
 * (default a minute), the last `keep` samples kept (default a day's), a sample only when something
 * changed. The timer does not keep the process alive.
 */
export function createRejectionHistory(
  read: () => Omit<RejectionSample, 'at'>,
  init: { everyMs?: number; keep?: number } = {},
): RejectionHistory {
  const everyMs = init.everyMs ?? 60_000;
  const keep = init.keep ?? 1440;
  const kept: RejectionSample[] = [];
  const now = () => ({ at: Date.now(), ...read() });
  const same = (a: Omit<RejectionSample, 'at'>, b: Omit<RejectionSample, 'at'>) =>
    JSON.stringify([a.requests, a.messages]) === JSON.stringify([b.requests, b.messages]);
  const sample = () => {
    let s: RejectionSample;
    try {
      s = now();
    } catch {
      // the node is gone (stopping): nothing more to sample
      clearInterval(timer);
      return;
    }
    const last = kept[kept.length - 1];
    if (last && same(last, s)) return;
    kept.push(s);
    if (kept.length > keep) kept.shift();
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  sample();
  return {
    samples: () => [...kept, now()],
    stop: () => clearInterval(timer),
  };
}
