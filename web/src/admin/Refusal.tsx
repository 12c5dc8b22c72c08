// What a page says when the API refuses the caller: the nav hides these pages from those without
// the permission, but an address typed by hand still arrives here, and the API still decides.
import { ApiError } from '../api.js';
import { Link } from '../router.js';
import { Problem } from '../ui/parts.js';

/** A 403 said as a refusal (who may, what the server said); any other error as a problem. */
export function Refusal({ error, who }: { error: unknown; who: string }) {
  if (!(error instanceof ApiError && error.status === 403)) return <Problem error={error} />;
  return (
    <div role="alert" className="refusal">
      <p>
        <strong>Not for your roles.</strong> {who}
      </p>
      <p className="muted">The server said: {error.message}.</p>
      <p>
        <Link to="/runs">Back to the runs</Link>
      </p>
    </div>
  );
}

/** Retry a failed query once, unless the API refused it (a 4xx answers the same the second time). */
export function retryUnlessRefused(failures: number, error: Error): boolean {
  return failures < 1 && !(error instanceof ApiError && error.status < 500);
}
