/**
 * Replay protection state: the highest sequence (a digest's epoch, an announcement's timestamp)
 * accepted per key (a peer, or a publisher and pack name). In memory and bounded: the least
 * recently updated keys are forgotten first. A node that persists it can seed it with `restore`.
 */
export interface ReplayGuard {
  /** 'fresh' when seq is above the last one recorded for key */
  check(key: string, seq: number): 'fresh' | 'duplicate' | 'older';
  /** records seq when it is fresh (checked again, so concurrent validations cannot both pass) */
  record(key: string, seq: number): boolean;
  last(key: string): number | undefined;
  readonly size: number;
}

export function createReplayGuard(
  init: { maxKeys?: number; restore?: Iterable<[string, number]> } = {},
): ReplayGuard {
  const maxKeys = init.maxKeys ?? 10_000;
  const last = new Map<string, number>();
  const check = (key: string, seq: number) => {
    const prev = last.get(key);
    if (prev === undefined || seq > prev) return 'fresh' as const;
    return seq === prev ? ('duplicate' as const) : ('older' as const);
  };
  const set = (key: string, seq: number) => {
    last.delete(key);
    last.set(key, seq);
    while (last.size > maxKeys) last.delete(last.keys().next().value as string);
  };
  for (const [k, s] of init.restore ?? []) if (check(k, s) === 'fresh') set(k, s);
  return {
    check,
    record(key, seq) {
      if (check(key, seq) !== 'fresh') return false;
      set(key, seq);
      return true;
    },
    last: (key) => last.get(key),
    get size() {
      return last.size;
    },
  };
}
