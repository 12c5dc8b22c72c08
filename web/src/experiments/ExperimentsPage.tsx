import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import type { ExperimentInfo } from '../api.js';
import { Link } from '../router.js';
import { useCan } from '../session.js';
import { Loading, Problem, Time } from '../ui/parts.js';
import './experiments.css';

/** Every experiment the reader may see, by name: who changed it last and when; a new one for those who may write. */
export default function ExperimentsPage() {
  const canWrite = useCan('experiments.write');
  const experiments = useQuery({
    queryKey: ['experiments'],
    queryFn: ({ signal }) => api<{ experiments: ExperimentInfo[] }>('GET', '/experiments', undefined, signal),
  });
  const list = experiments.data?.experiments ?? [];
  return (
    <section aria-labelledby="experiments-title" className="experiments">
      <div className="page-head">
        <h1 id="experiments-title">Experiments</h1>
        {canWrite && (
          <Link to="/experiments/new" className="button primary">
            New experiment
          </Link>
        )}
      </div>
      <Problem error={experiments.error} />
      {experiments.isPending ? (
        <Loading what="experiments" />
      ) : list.length === 0 ? (
        <p className="muted">No experiment yet{canWrite ? ': write the first one.' : '.'}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Name</th>
              <th scope="col">Version</th>
              <th scope="col">Changed by</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id}>
                <td>
                  <Link to={`/experiments/${encodeURIComponent(e.id)}`}>{e.title}</Link>
                  {e.secret && <span className="tag secret">secret</span>}
                </td>
                <td>
                  <code>{e.name}</code>
                </td>
                <td>{e.version}</td>
                <td>{e.updatedBy}</td>
                <td>
                  <Time at={e.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
