import { useMemo, useState } from 'react';
import type { ExperimentVersion } from '../api.js';
import { Loading, Problem, Time } from '../ui/parts.js';
import { diffCounts, lineDiff } from './line-diff.js';
import type { DiffLine } from './line-diff.js';
import { useVersions } from './use-versions.js';

/** The versions of an experiment; picking one shows what it changed from the one before it. */
export function History({ id }: { id: string }) {
  const versions = useVersions(id);
  const [picked, setPicked] = useState<number>();
  const list = versions.data?.versions ?? [];
  const at = list.findIndex((v) => v.version === picked);
  const shown = list[at];
  return (
    <section aria-labelledby="history-title" className="history">
      <h2 id="history-title">History</h2>
      <Problem error={versions.error} />
      {versions.isPending ? (
        <Loading what="the versions" />
      ) : (
        <div className="history-body">
          <ol className="versions" aria-label="Versions, newest first">
            {list.map((v) => (
              <li key={v.version}>
                <button type="button" aria-pressed={v.version === picked} onClick={() => setPicked(v.version)}>
                  Version {v.version}
                </button>
                <span className="by">
                  {v.author}, <Time at={v.createdAt} />
                </span>
              </li>
            ))}
          </ol>
          {shown ? <VersionDiff newer={shown} older={list[at + 1]} /> : <p className="muted">Pick a version to see what it changed.</p>}
        </div>
      )}
    </section>
  );
}

function VersionDiff({ newer, older }: { newer: ExperimentVersion; older: ExperimentVersion | undefined }) {
  const lines = useMemo(() => lineDiff(older?.yaml ?? '', newer.yaml), [older, newer]);
  const { added, removed } = diffCounts(lines);
  return (
    <figure className="diff" aria-labelledby="diff-title">
      <figcaption id="diff-title">
        {older ? `Version ${newer.version} against version ${older.version}` : `Version ${newer.version}, the first`}:{' '}
        <span className="added">
          {added} line{added === 1 ? '' : 's'} added
        </span>
        ,{' '}
        <span className="removed">
          {removed} line{removed === 1 ? '' : 's'} removed
        </span>
      </figcaption>
      <pre className="diff-lines">
        {lines.map((line, i) => (
          <DiffRow key={i} line={line} />
        ))}
      </pre>
    </figure>
  );
}

/** A line with its sign (+, −, or a space): the colour says it again, it never says it alone. */
function DiffRow({ line }: { line: DiffLine }) {
  const number = (
    <span className="number" aria-hidden="true">
      {line.after ?? line.before}
    </span>
  );
  if (line.kind === 'added') {
    return (
      <ins className="added">
        {number}
        <span className="sign">+</span>
        {line.text}
      </ins>
    );
  }
  if (line.kind === 'removed') {
    return (
      <del className="removed">
        {number}
        <span className="sign">-</span>
        {line.text}
      </del>
    );
  }
  return (
    <span className="same">
      {number}
      <span className="sign"> </span>
      {line.text}
    </span>
  );
}
