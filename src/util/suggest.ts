/** Levenshtein distance, small inputs only (keys and type names). */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] as number;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] as number;
}

/** Longer words are not typos of a name: no suggestion, and no quadratic comparison of them. */
const MAX_WORD = 64;

/**
 * The closest candidate within a third of the word's length, for "did you mean …?" hints.
 * Candidates whose length differs by more than that are skipped unread (their distance is at
 * least the difference). `budget`, when given, is charged the letters compared and stops the
 * search once spent.
 */
export function closest(word: string, candidates: Iterable<string>, budget?: { letters: number }): string | undefined {
  if (word.length > MAX_WORD) return undefined;
  const limit = Math.max(2, Math.ceil(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) > limit) continue;
    if (budget) {
      if (budget.letters <= 0) break;
      budget.letters -= word.length * candidate.length;
    }
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>, budget?: { letters: number }): string {
  const hint = closest(word, candidates, budget);
  return hint ? ` (did you mean "${hint}"?)` : '';
}

/**
 * Suggestions for one file's problems: a file with 100,000 unknown names among 100,000 defined
 * ones stays linear, because the letters compared in all are bounded (about 50 ms of work);
 * past that, problems come without a hint.
 */
export function suggestionBudget(): { letters: number } {
  return { letters: 20_000_000 };
}

/** `a, b, c and 17 more`: a message names a few of the choices, not 100,000. */
export function listNames(names: readonly string[], max = 20): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
