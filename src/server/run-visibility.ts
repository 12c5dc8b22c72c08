import type { RunInfo } from '../store/runs.js';
import type { Principal } from '../store/users.js';
import { can, maySee } from './policy.js';

/** A secret run is known to facilitators and admins, to its villain author, and to everyone once revealed. */
export function mayKnowRun(principal: Principal, run: RunInfo): boolean {
  if (!can(principal, 'experiments.read')) return false;
  if (!run.secret || run.revealedAt !== null) return true;
  return maySee(principal, { secret: true, createdBy: run.author });
}
