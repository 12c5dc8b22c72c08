import { memo, useEffect, useState } from 'react';
import type { LiveState, TimelineEntry } from './live-state.js';
import { duration, Time } from '../ui/parts.js';

const STATE_WORD: Readonly<Record<string, string>> = {
  running: '● running',
  succeeded: '✓ done',
  failed: '✗ failed',
  deviated: '✗ deviated',
  skipped: '– skipped',
  aborted: '■ aborted',
};

/** The panels keep the page light however long the run: the newest entries, the rest counted (all of them are in the report). */
const NEWEST = 30;

export function StepsPanel({ live }: { live: LiveState }) {
  const hidden = Math.max(0, live.steps.length - NEWEST);
  return (
    <section className="card" aria-labelledby="steps-title">
      <h2 id="steps-title">Steps{live.phase ? ` · ${live.phase}` : ''}</h2>
      {hidden > 0 && <p className="muted">{hidden} earlier step(s) not shown.</p>}
      {live.steps.length === 0 ? (
        <p className="muted">No step yet.</p>
      ) : (
        <ol className="steps">
          {live.steps.slice(hidden).map((step) => (
            <li key={step.key} className={`step ${step.state}`} data-state={step.state}>
              <span className="state">{STATE_WORD[step.state] ?? step.state}</span> {step.name}{' '}
              <span className="muted">
                ({step.kind}, {step.phase})
              </span>
              {step.endedAt !== undefined && <span className="muted"> {duration(step.endedAt - step.startedAt)}</span>}
              {step.error && <div className="problem">{step.error}</div>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** Every fault of the run: active ones first, with their target and the lease time left (from the agents). */
export function FaultsPanel({ live, leases }: { live: LiveState; leases: ReadonlyMap<string, number> }) {
  const now = useNow(live.ended === undefined);
  const all = [...live.faults.values()];
  const active = all.filter((f) => f.revertedAt === undefined);
  const reverted = all.filter((f) => f.revertedAt !== undefined);
  // Every active fault; of the reverted ones, the newest.
  const faults = [...active, ...reverted.slice(-Math.max(0, NEWEST - active.length))];
  const hidden = all.length - faults.length;
  return (
    <section className="card" aria-labelledby="faults-title">
      <h2 id="faults-title">Faults</h2>
      {hidden > 0 && <p className="muted">{hidden} earlier reverted fault(s) not shown.</p>}
      {faults.length === 0 ? (
        <p className="muted">No fault injected{live.dryRun ? ': a dry run injects nothing' : ' yet'}.</p>
      ) : (
        <ul className="faults">
          {faults.map((fault) => {
            const lease = leases.get(fault.faultId);
            const active = fault.revertedAt === undefined;
            return (
              <li key={fault.faultId} className={active ? 'fault active' : 'fault'} data-fault={fault.faultId}>
                <strong>{fault.type}</strong> on {fault.target}{' '}
                {active ? (
                  <span className="badge bad">active</span>
                ) : (
                  <span className={`badge ${fault.verified?.ok ? 'good' : 'bad'}`}>
                    {fault.verified?.ok ? 'reverted, verified' : 'revert not verified'}
                  </span>
                )}
                <div className="muted">
                  step {fault.step}, since <Time at={fault.injectedAt} />
                  {active && lease !== undefined && <> · lease {Math.max(0, Math.ceil((lease - now) / 1000))} s left</>}
                  {!active && fault.revertedAt !== undefined && <> · held {duration(fault.revertedAt - fault.injectedAt)}</>}
                </div>
                {fault.verified && !fault.verified.ok && <div className="problem">{fault.verified.detail}</div>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** The hypothesis probes' last values: the target's health as the run sees it. */
export function ProbesPanel({ live }: { live: LiveState }) {
  const probes = [...live.probes.values()];
  return (
    <section className="card" aria-labelledby="probes-title">
      <h2 id="probes-title">Probes</h2>
      {probes.length === 0 ? (
        <p className="muted">No probe reading yet.</p>
      ) : (
        <ul className="probes">
          {probes.map((probe) => (
            <li key={probe.name}>
              {probe.met !== undefined && <span className={`badge ${probe.met ? 'good' : 'bad'}`}>{probe.met ? 'met' : 'not met'}</span>}{' '}
              <strong>{probe.name}</strong> {probe.detail}{' '}
              <span className="muted">
                at <Time at={probe.at} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Only the newest entries are in the page; the full timeline is in the report. */
const SHOWN = 200;

export function Timeline({ live }: { live: LiveState }) {
  const entries = live.timeline.slice(-SHOWN).reverse();
  return (
    <section aria-labelledby="timeline-title" className="timeline">
      <h2 id="timeline-title">Timeline</h2>
      {live.timeline.length > SHOWN && (
        <p className="muted">
          The newest {SHOWN} of {live.timeline.length}.
        </p>
      )}
      <ol aria-live="polite" aria-relevant="additions">
        {entries.map((entry) => (
          <TimelineRow key={entry.seq} entry={entry} />
        ))}
      </ol>
    </section>
  );
}

/** An entry never changes once written: rendered once, whatever else the view redraws. */
const TimelineRow = memo(function TimelineRow({ entry }: { entry: TimelineEntry }) {
  return (
    <li className={`tone-${entry.tone}`}>
      <Time at={entry.at} /> {entry.text}
    </li>
  );
});

/** The time, ticking every second while `ticking`. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}
