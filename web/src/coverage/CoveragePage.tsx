import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import type { CoverageReport, CoverageStatus, TechniqueCoverage } from '../api.js';
import { duration, Loading, Problem, Time } from '../ui/parts.js';
import './coverage.css';

/** The words of each status (the colour is never alone); the same as the Navigator layer's legend. */
const STATUS_LABEL: Readonly<Record<CoverageStatus, string>> = {
  detected: 'detected',
  late: 'detected late',
  missed: 'missed',
  'not-measured': 'tested, not measured',
  'never-tested': 'never tested',
};

/**
 * The ATT&CK coverage as a matrix: the tactics as columns, in ATT&CK's order, and in each the
 * techniques serving it, coloured by what the defenders did at its latest drill, with the median
 * time to detect. Only the drills one may know of count (the API decides), so a responder's
 * matrix says nothing of a secret drill until it is revealed.
 */
export default function CoveragePage() {
  const coverage = useQuery({
    queryKey: ['coverage'],
    queryFn: async ({ signal }) => (await api<{ coverage: CoverageReport }>('GET', '/coverage', undefined, signal)).coverage,
    refetchInterval: 30_000,
  });
  const report = coverage.data;
  return (
    <section aria-labelledby="coverage-title" className="coverage">
      <h1 id="coverage-title">ATT&amp;CK coverage</h1>
      <p className="muted">
        Each technique Firedrill can detonate, by what the defenders did at its latest drill that watched for it; the counts keep every
        drill. Only the drills you may know of count.
      </p>
      <Problem error={coverage.error} />
      {coverage.isPending && <Loading what="the coverage" />}
      {report && (
        <>
          <div className="coverage-tools">
            <Legend />
            <a className="button" href="/api/v1/coverage?format=navigator&download=1" download>
              Download the ATT&amp;CK Navigator layer
            </a>
          </div>
          <Matrix report={report} />
          <p className="muted">{report.attack}</p>
        </>
      )}
    </section>
  );
}

function Legend() {
  return (
    <ul className="coverage-legend" aria-label="Legend">
      {Object.entries(STATUS_LABEL).map(([status, label]) => (
        <li key={status}>
          <span className={`swatch status-${status}`} aria-hidden="true" /> {label}
        </li>
      ))}
    </ul>
  );
}

function Matrix({ report }: { report: CoverageReport }) {
  return (
    <div className="coverage-matrix" role="table" aria-label="ATT&CK coverage matrix">
      <div role="rowgroup">
        <div role="row" className="coverage-row">
          {report.tactics.map((tactic) => (
            <div role="columnheader" key={tactic} className="tactic">
              {tactic}
            </div>
          ))}
        </div>
      </div>
      <div role="rowgroup">
        <div role="row" className="coverage-row">
          {report.tactics.map((tactic) => (
            <div role="cell" key={tactic} className="tactic-column">
              {report.techniques
                .filter((t) => t.tactics.includes(tactic))
                .map((t) => (
                  <TechniqueCell key={t.techniqueId} technique={t} />
                ))}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

function TechniqueCell({ technique: t }: { technique: TechniqueCoverage }) {
  const { detected, late, missed } = t.counts;
  return (
    <article className={`technique status-${t.status}`} aria-label={`${t.techniqueId} ${t.name}: ${STATUS_LABEL[t.status]}`}>
      <div className="technique-id">{t.techniqueId}</div>
      <div className="technique-name">{t.name}</div>
      <div className="technique-status">{STATUS_LABEL[t.status]}</div>
      {t.status !== 'never-tested' && (
        <dl>
          <dt>median TTD</dt>
          <dd>{duration(t.medianTtdMs)}</dd>
          <dt>drills</dt>
          <dd>{t.drills}</dd>
          <dt>outcomes</dt>
          <dd>
            {detected} on time · {late} late · {missed} missed
          </dd>
          {t.last && (
            <>
              <dt>last</dt>
              <dd>
                <Time at={t.last.at} />
              </dd>
            </>
          )}
        </dl>
      )}
    </article>
  );
}
