import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { api } from '../api.js';
import type { AgentView } from '../api.js';
import { ConfirmButton } from '../admin/ConfirmButton.js';
import { Link } from '../router.js';
import { useCan } from '../session.js';
import { Loading, Problem, Time } from '../ui/parts.js';
import { RegisterAgent } from './RegisterAgent.js';
import './agents.css';

/** GET /agents adds, to an agent registered through the API, its labels and when it last answered. */
type Agent = AgentView & { labels?: Record<string, string>; lastSeenAt?: number | null };

/** Every agent this server drives, as it answers now (every 2 s): reachable, version, labels, halt, active faults. */
export default function AgentsPage() {
  const mayManage = useCan('users.manage');
  const agents = useQuery({
    queryKey: ['agents'],
    queryFn: ({ signal }) => api<{ agents: Agent[] }>('GET', '/agents', undefined, signal),
    refetchInterval: 2000,
  });
  const now = useNow(1000);
  const list = agents.data?.agents ?? [];
  return (
    <section aria-labelledby="agents-title">
      <h1 id="agents-title">Agents</h1>
      <Problem error={agents.error} />
      {agents.isPending ? (
        <Loading what="agents" />
      ) : list.length === 0 ? (
        <p className="muted">
          No agent here: start <code>firedrill agent</code> on this host, name agents in the inventory
          {mayManage && ', or register one below'}.
        </p>
      ) : (
        <ul className="grid agents">
          {list.map((agent) => (
            // Only a registered agent (it has labels) can be forgotten: the local one and the inventory's stay.
            <AgentCard key={agent.name} agent={agent} now={now} mayForget={mayManage && agent.labels !== undefined} />
          ))}
        </ul>
      )}
      {mayManage && <RegisterAgent />}
    </section>
  );
}

function AgentCard({ agent, now, mayForget }: { agent: Agent; now: number; mayForget: boolean }) {
  const title = useId();
  const labels = Object.entries(agent.labels ?? {});
  return (
    <li className="card agent" aria-labelledby={title}>
      <h2 id={title}>{agent.name}</h2>
      <p className="state">
        <span className={`badge ${agent.reachable ? 'good' : 'bad'}`}>{agent.reachable ? 'reachable' : 'unreachable'}</span>
        {agent.halted && <span className="badge bad">halted</span>}
      </p>
      <dl className="facts">
        <dt>Version</dt>
        <dd>{agent.version ?? '—'}</dd>
        <dt>URL</dt>
        <dd>{agent.url ? <code>{agent.url}</code> : '—'}</dd>
        <dt>Labels</dt>
        <dd>
          {labels.length === 0
            ? '—'
            : labels.map(([key, value]) => (
                <span key={key} className="tag label">
                  {key}={value}
                </span>
              ))}
        </dd>
        {agent.lastSeenAt !== undefined && (
          <>
            <dt>Last seen</dt>
            <dd>{agent.lastSeenAt === null ? 'never' : <Time at={agent.lastSeenAt} />}</dd>
          </>
        )}
        <dt>Halt</dt>
        <dd>
          {agent.halted ? (
            <>
              halted since <Time at={agent.halted.at} />: {agent.halted.reason}
            </>
          ) : agent.reachable ? (
            'not halted'
          ) : (
            'unknown'
          )}
        </dd>
      </dl>
      {agent.error && <p className="problem">{agent.error}</p>}
      {agent.reachable && <Faults faults={agent.faults ?? []} now={now} />}
      {mayForget && <Forget name={agent.name} />}
    </li>
  );
}

/** The agent's active faults, each with the time its lease has left: when it runs out, the agent reverts the fault by itself. */
function Faults({ faults, now }: { faults: NonNullable<AgentView['faults']>; now: number }) {
  if (faults.length === 0) return <p className="muted">No active fault.</p>;
  return (
    <table className="faults">
      <caption>Active faults</caption>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Run</th>
          <th scope="col">Lease left</th>
        </tr>
      </thead>
      <tbody>
        {faults.map((fault) => {
          const left = fault.leaseExpiresAt - now;
          return (
            <tr key={`${fault.runId}/${fault.faultId}`}>
              <td>
                <code>{fault.type}</code>
                <span className="muted"> {fault.faultId}</span>
              </td>
              <td>
                <Link to={`/runs/${encodeURIComponent(fault.runId)}`}>{fault.runId}</Link>
              </td>
              <td className="lease">{left > 0 ? leaseLeft(left) : <span className="badge warn">expired: reverting</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Forget({ name }: { name: string }) {
  const client = useQueryClient();
  const forget = useMutation({
    mutationFn: () => api('DELETE', `/agents/${encodeURIComponent(name)}`),
    onSettled: () => client.invalidateQueries({ queryKey: ['agents'] }),
  });
  return (
    <div className="card-actions">
      <ConfirmButton
        action="Forget"
        subject={`agent ${name}`}
        question={`Forget agent ${name}? Drills stop driving it; the agent itself keeps running.`}
        onConfirm={() => forget.mutate()}
        busy={forget.isPending}
      />
      <Problem error={forget.error} />
    </div>
  );
}

/** `42 s`, `2 min 5 s`: whole seconds, rounded up (a lease with 0.3 s left is not over). */
function leaseLeft(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** The clock, ticking every `ms`: lease countdowns move between two refreshes of the list. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
