import { lazy, Suspense, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { logout, me } from './api.js';
import type { Me } from './api.js';
import { HaltBar } from './halt/HaltBar.js';
import { LoginPage } from './LoginPage.js';
import { Link, match, navigate, useLocation } from './router.js';
import { Session } from './session.js';
import { Loading, Problem } from './ui/parts.js';

// Each page is its own chunk: the first load carries the shell and the page asked for only.
const RunsPage = lazy(() => import('./runs/RunsPage.js'));
const RunPage = lazy(() => import('./runs/RunPage.js'));
const ExperimentsPage = lazy(() => import('./experiments/ExperimentsPage.js'));
const ExperimentPage = lazy(() => import('./experiments/ExperimentPage.js'));
const AgentsPage = lazy(() => import('./agents/AgentsPage.js'));
const DrillsPage = lazy(() => import('./drills/DrillsPage.js'));
const GameDaysPage = lazy(() => import('./gamedays/GameDaysPage.js'));
const GameDayPage = lazy(() => import('./gamedays/GameDayPage.js'));
const CoveragePage = lazy(() => import('./coverage/CoveragePage.js'));
const AuditPage = lazy(() => import('./admin/AuditPage.js'));
const UsersPage = lazy(() => import('./admin/UsersPage.js'));

/** The shell: log in, then the halt bar, the navigation and the page of the address bar. */
export function App() {
  const [user, setUser] = useState<Me | undefined | null>(null);
  const [error, setError] = useState<unknown>();
  useEffect(() => void me().then(setUser, setError), []);
  if (error) return <Problem error={error} />;
  if (user === null) return <Loading what="Firedrill" />;
  if (!user) return <LoginPage onIn={setUser} />;
  const out = () => void logout().finally(() => setUser(undefined));
  return (
    <Session.Provider value={user}>
      <header className="top">
        <Link to="/runs" className="brand">
          Firedrill
        </Link>
        <Nav user={user} />
        <span className="who">
          {user.name} <span className="muted">({user.roles.join(', ') || 'no role'})</span>
          <button type="button" className="link" onClick={out}>
            Log out
          </button>
        </span>
        <HaltBar />
      </header>
      <main>
        <Suspense fallback={<Loading what="the page" />}>
          <Page />
        </Suspense>
      </main>
    </Session.Provider>
  );
}

function Nav({ user }: { user: Me }) {
  const { path } = useLocation();
  const item = (to: string, label: string) => (
    <li>
      <Link to={to} aria-current={path.startsWith(to) ? 'page' : undefined}>
        {label}
      </Link>
    </li>
  );
  return (
    <nav aria-label="Main">
      <ul>
        {item('/runs', 'Runs')}
        {item('/experiments', 'Experiments')}
        {item('/drills', 'Drills')}
        {item('/gamedays', 'Game days')}
        {item('/coverage', 'Coverage')}
        {item('/agents', 'Agents')}
        {user.permissions.includes('audit.read') && item('/audit', 'Audit')}
        {user.permissions.includes('users.manage') && item('/users', 'Users')}
      </ul>
    </nav>
  );
}

function Page(): ReactNode {
  const { path } = useLocation();
  if (path === '/' || path === '') {
    navigate('/runs', { replace: true });
    return null;
  }
  const run = match('/runs/:id', path);
  if (run?.id) return <RunPage id={run.id} />;
  if (match('/runs', path)) return <RunsPage />;
  const experiment = match('/experiments/:id', path);
  if (experiment?.id) return <ExperimentPage id={experiment.id} />;
  if (match('/experiments', path)) return <ExperimentsPage />;
  if (match('/agents', path)) return <AgentsPage />;
  if (match('/drills', path)) return <DrillsPage />;
  const gameday = match('/gamedays/:id', path);
  if (gameday?.id) return <GameDayPage id={gameday.id} />;
  if (match('/gamedays', path)) return <GameDaysPage />;
  if (match('/coverage', path)) return <CoveragePage />;
  if (match('/audit', path)) return <AuditPage />;
  if (match('/users', path)) return <UsersPage />;
  return (
    <p>
      No page here. <Link to="/runs">See the runs</Link>.
    </p>
  );
}
