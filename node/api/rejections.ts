/** Rejected requests counted by reason (DESIGN.md: every rejection is counted and visible). */
export interface Rejections {
  count(reason: string): void;
  /** a copy of the counters, reasons sorted */
  snapshot(): Record<string, number>;
  /** how many rejections were counted: a snapshot taken at the same total is still current */
  total(): number;
}

export function createRejections(): Rejections {
  const counts = new Map<string, number>();
  let total = 0;
  return {
    count(reason) {
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
      total++;
    },
    snapshot: () => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
    total: () => total,
  };
}
