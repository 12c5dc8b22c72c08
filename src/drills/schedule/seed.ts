import { seededRandom } from '../../util/random.js';
import type { Random } from '../../util/random.js';

/**
 * The random numbers of one period of one drill: a function of the schedule's seed, the drill's
 * key and the period alone, so a period is drawn the same whenever it is asked about, and two
 * drills with the same seed draw differently.
 */
export function periodRandom(seed: number, key: string, kind: string, period: number): Random {
  return seededRandom(hash(`${kind}\u0000${seed}\u0000${period}\u0000${key}`));
}

/** FNV-1a, then murmur3's finaliser so that neighbouring periods get unrelated seeds. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
