// The few parts every page uses: a verdict badge, an absolute time, a duration, a problem, a wait.
import { memo } from 'react';
import { ApiError } from '../api.js';

const VERDICT_CLASS: Readonly<Record<string, string>> = {
  passed: 'good',
  deviated: 'bad',
  'not-steady': 'warn',
  aborted: 'warn',
  failed: 'bad',
  running: 'live',
};

/** A verdict (or `running`) as a badge: colour and word, never colour alone. */
export function Badge({ verdict }: { verdict: string }) {
  return <span className={`badge ${VERDICT_CLASS[verdict] ?? ''}`}>{verdict}</span>;
}

/** One formatter for the page: making one per call (toLocaleString with options) costs more than the rest of a render. */
const LOCAL = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/** An absolute time, in the reader's zone, with the ISO instant on hover. */
export const Time = memo(function Time({ at }: { at: number | string | null | undefined }) {
  if (at === null || at === undefined) return <span>—</span>;
  const date = new Date(at);
  const iso = date.toISOString();
  return (
    <time dateTime={iso} title={iso}>
      {LOCAL.format(date)}
    </time>
  );
});

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** What went wrong, said as the API said it. */
export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const message =
    error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : JSON.stringify(error);
  return (
    <p role="alert" className="problem">
      {message}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

/** A table's header row: one column header per name. */
export function Head({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col">
            {column}
          </th>
        ))}
      </tr>
    </thead>
  );
}
