/** A seeded PRNG (mulberry32): the same seed replays the same target selection. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function newSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/**
 * `digits` hex digits that only need to differ between runs started in the same second (run
 * ids), not to be secret: no node:crypto, whose loading costs every run a few milliseconds.
 */
export function randomHex(digits: number): string {
  let text = '';
  while (text.length < digits)
    text += Math.floor(Math.random() * 0x10000)
      .toString(16)
      .padStart(4, '0');
  return text.slice(0, digits);
}

/** Picks `count` distinct items, order of the input preserved. */
export function sample<T>(items: readonly T[], count: number, random: Random): T[] {
  const indices = items.map((_, i) => i);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
  }
  return indices
    .slice(0, Math.min(count, items.length))
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}
