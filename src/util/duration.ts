const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

/**
 * The longest duration anything accepts: a step, a wait, `maxDuration`, a fault or probe
 * parameter. Node's timers hold at most 2^31-1 ms (24.8 days) and fire at once beyond it, so
 * a bound well inside that keeps "hold this fault for N" meaning N; a week is longer than any
 * drill we know of.
 */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;
export const MAX_DURATION_TEXT = '168h (7 days)';

/**
 * Parses `250ms`, `1.5s`, `2m`, `1h` or a bare number of seconds into milliseconds.
 * Returns undefined for anything else (negative values, and numbers too large to be finite,
 * included) so callers can report the problem where it occurred.
 */
export function parseDuration(value: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value >= 0 ? value * 1000 : undefined;
  else if (typeof value === 'string') {
    const trimmed = value.trim();
    const match = DURATION.exec(trimmed);
    if (/^\d+(?:\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
    else if (match) ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/** Whether text is written like a duration, whatever its size: `2600000s`, `999…9ms`. */
export function looksLikeDuration(value: unknown): boolean {
  if (typeof value === 'number') return value >= 0;
  return typeof value === 'string' && (/^\d+(?:\.\d+)?$/.test(value.trim()) || DURATION.test(value.trim()));
}

/**
 * Why a parsed duration is refused, or undefined when it is within `max` (MAX_DURATION_MS by
 * default). `written` is the value as the user wrote it, for the message.
 */
export function durationTooLong(ms: number | undefined, written: unknown, max = MAX_DURATION_MS): string | undefined {
  if (ms !== undefined && ms <= max) return undefined;
  const limit = max === MAX_DURATION_MS ? MAX_DURATION_TEXT : formatDuration(max);
  return `must be at most ${limit}, got ${shown(written)}`;
}

/** A value as written, cut to a readable length: `"2600000s"`, `604800.001`, `"99999…"`. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > 20 ? `${text.slice(0, 20)}…` : text;
  return typeof value === 'string' ? JSON.stringify(cut) : cut;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
}
