/** Rejected requests counted by reason (DESIGN.md: every rejection is counted and visible). */
export interface Rejections {
  count(reason: string): void;
  /** a copy of the counters, reasons sorted */
  snapshot(): Record<string, number>;
}

export function createRejections(): Rejections {
  const counts = new Map<string, number>();
  return {
    count(reason) {
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    },
    snapshot: () => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
  };
}
