import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api, login, me } from './api.js';
import type { Me } from './api.js';

interface Run {
  readonly id: string;
  readonly title: string;
  readonly state: string;
  readonly verdict: string | null;
  readonly startedBy: string;
  readonly createdAt: number;
}

interface Halt {
  readonly reason: string;
  readonly at: string;
  readonly by: string;
}

/** WIP (issue 11): login, the halt banner and button on every page, and the runs list. */
export function App() {
  const [user, setUser] = useState<Me | undefined | null>(null);
  useEffect(() => void me().then(setUser), []);
  if (user === null) return <p>Loading…</p>;
  if (!user) return <Login onIn={setUser} />;
  return (
    <main>
      <HaltBar user={user} />
      <h1>Runs</h1>
      <Runs />
    </main>
  );
}

function Login({ onIn }: { onIn: (user: Me) => void }) {
  const [error, setError] = useState('');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string): string => {
      const value = form.get(name);
      return typeof value === 'string' ? value : '';
    };
    login(field('name'), field('password')).then(onIn, (e: Error) => setError(e.message));
  };
  return (
    <form onSubmit={submit} aria-label="Log in">
      <h1>Firedrill</h1>
      <label>
        Name <input name="name" autoComplete="username" required />
      </label>
      <label>
        Password <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <button type="submit">Log in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function HaltBar({ user }: { user: Me }) {
  const [halt, setHalt] = useState<Halt | null>(null);
  const refresh = () => void api<{ halted: Halt | null }>('GET', '/halt').then((a) => setHalt(a.halted));
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, 1000);
    return () => clearInterval(timer);
  }, []);
  const mayHalt = user.roles.some((r) => r === 'admin' || r === 'facilitator');
  const pressHalt = () => {
    const reason = window.prompt('Halt everything: why?');
    if (reason) void api('POST', '/halt', { reason }).then(refresh);
  };
  return (
    <header>
      {halt && (
        <div role="alert" className="halted">
          Firedrill is halted by {halt.by} since {halt.at}: {halt.reason}
          {mayHalt && <button onClick={() => void api('POST', '/resume', {}).then(refresh)}>Resume</button>}
        </div>
      )}
      {mayHalt && !halt && (
        <button className="halt" onClick={pressHalt}>
          Halt
        </button>
      )}
    </header>
  );
}

function Runs() {
  const [runs, setRuns] = useState<Run[]>([]);
  useEffect(() => {
    const load = () => void api<{ runs: Run[] }>('GET', '/runs?limit=50').then((a) => setRuns(a.runs));
    load();
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, []);
  return (
    <table>
      <thead>
        <tr>
          <th>run</th>
          <th>verdict</th>
          <th>started by</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>{run.title}</td>
            <td>{run.verdict ?? run.state}</td>
            <td>{run.startedBy}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
