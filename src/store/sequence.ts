let last = 0;

/**
 * An order for rows written in the same millisecond: the time in µs, strictly increasing within
 * this process (webhook deliveries, alerts). Across replicas it follows their clocks.
 */
export function nextSeq(now: number): number {
  last = Math.max(now * 1000, last + 1);
  return last;
}
