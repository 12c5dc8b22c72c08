import { UserError, ValidationError } from '../errors.js';
import { readText } from '../experiment/load.js';
import { checkDrills } from '../drills/check.js';
import { loadDrillsText } from '../drills/spec.js';
import { loadCatalog } from '../runs/catalog.js';
import { ControlPlaneClient } from '../server-client/client.js';
import { EXIT } from './exit-codes.js';
import { readToken } from './token.js';

export interface ServerOptions {
  readonly server: string;
  readonly tokenFile?: string;
  readonly json?: boolean;
}

interface DrillView {
  readonly name: string;
  readonly title: string;
  readonly team: string;
  readonly kind: string;
  readonly announcement: string;
  readonly enabled: boolean;
  readonly nextLaunchAt: number | null;
}

interface LaunchView {
  readonly drill: string;
  readonly dueAt: number;
  readonly state: string;
  readonly reason: string | null;
  readonly verdict: string | null;
  readonly runId: string | null;
}

const client = (options: Partial<ServerOptions>) => {
  if (!options.server) throw new UserError('FD_NO_SERVER', 'say which control plane: --server URL (e.g. http://127.0.0.1:7400)');
  return new ControlPlaneClient(options.server.replace(/\/+$/, ''), readToken(options.tokenFile));
};
const when = (at: number | null) => (at === null ? '—' : new Date(at).toISOString().replace('T', ' ').slice(0, 16) + 'Z');

/** `firedrill drills validate FILE`: the file's shape and schedules, here (the server also checks the experiments it names). */
export async function drillsValidate(file: string, options: { json?: boolean }): Promise<number> {
  const { file: drills, source } = loadDrillsText(file, readText(file, 'drills'));
  const problems = await checkDrills(drills, source, { now: Date.now(), catalog: await loadCatalog() });
  if (problems.length > 0) throw new ValidationError(problems);
  if (options.json) process.stdout.write(`${JSON.stringify({ valid: true, drills: drills.drills.map((d) => d.name) })}\n`);
  else {
    const blackouts = drills.blackouts.length + Object.values(drills.teams).reduce((n, t) => n + t.blackouts.length, 0);
    process.stdout.write(`${file}: ${drills.drills.length} drill(s), ${blackouts} blackout(s): valid\n`);
  }
  return EXIT.passed;
}

/** `firedrill drills apply FILE --server URL`: validated there (problems at FILE:LINE:COL), then stored. */
export async function drillsApply(file: string, options: ServerOptions & { dryRun?: boolean }): Promise<number> {
  const answer = await client(options).request<{ applied?: { name: string; created: boolean }[]; drills?: string[]; blackouts?: number }>(
    'POST',
    '/api/v1/drills/apply',
    { yaml: readText(file, 'drills'), file, dryRun: options.dryRun ?? false },
    file,
  );
  if (options.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
  else if (options.dryRun) process.stdout.write(`${file}: valid on ${options.server} (${answer.drills?.join(', ') ?? ''})\n`);
  else {
    for (const { name, created } of answer.applied ?? []) process.stdout.write(`${created ? 'created' : 'updated'} ${name}\n`);
    process.stdout.write(`${answer.blackouts ?? 0} blackout(s) set\n`);
  }
  return EXIT.passed;
}

/** `firedrill drills --server URL`: the drills one may know of, and the calendar of their launches. */
export async function drillsList(options: ServerOptions & { days?: string }): Promise<number> {
  const days = Number(options.days ?? '7');
  const now = Date.now();
  const api = client(options);
  const { drills, windows } = await api.request<{ drills: DrillView[]; windows: { team: string }[] }>('GET', '/api/v1/drills');
  const { launches } = await api.request<{ launches: LaunchView[] }>(
    'GET',
    `/api/v1/drills/calendar?since=${now - days * 86_400_000}&until=${now + days * 86_400_000}`,
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ drills, windows, launches })}\n`);
    return EXIT.passed;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(drills.length === 0 ? 'No drill you may know of.' : 'Drills');
  for (const d of drills) {
    out(
      `  ${d.name.padEnd(24)} ${d.team.padEnd(12)} ${d.announcement.padEnd(12)} ${d.enabled ? `next ${when(d.nextLaunchAt)}` : 'disabled'}  ${d.title}`,
    );
  }
  for (const { team } of windows) out(`  (team ${team}: a drill will come; when and what are not said)`);
  out(`\nLaunches, ${days} days back and ahead`);
  if (launches.length === 0) out('  none');
  for (const l of launches) {
    const outcome = l.verdict ?? (l.reason ? `${l.state}: ${l.reason}` : l.state);
    out(`  ${when(l.dueAt)}  ${l.drill.padEnd(24)} ${outcome}${l.runId ? `  (run ${l.runId})` : ''}`);
  }
  return EXIT.passed;
}

/** `firedrill monkey --server URL`: for the white cell, what each monkey could draw now and when it could strike next. */
export async function monkeyCommand(options: ServerOptions): Promise<number> {
  const api = client(options);
  const { drills } = await api.request<{ drills: DrillView[] }>('GET', '/api/v1/drills');
  const monkeys = drills.filter((d) => d.kind === 'monkey');
  const seen = await Promise.all(
    monkeys.map((d) =>
      api.request<{
        drill: string;
        candidates: { kind: string; name: string; agent?: string }[];
        next: number[];
        groupBy?: string;
        groups?: string[];
        nextGroups?: string[];
      }>('GET', `/api/v1/drills/${encodeURIComponent(d.name)}/candidates`),
    ),
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ monkeys: seen })}\n`);
    return EXIT.passed;
  }
  if (seen.length === 0) process.stdout.write('No monkey drill (or none you may see).\n');
  for (const m of seen) {
    process.stdout.write(
      `${m.drill}\n  could draw: ${m.candidates.map((c) => `${c.name}${c.agent ? ` on ${c.agent}` : ''}`).join(', ') || 'nothing (no opted-in target)'}\n`,
    );
    if (m.groupBy)
      process.stdout.write(`  one clock per ${m.groupBy}: ${m.groups?.join(', ') || 'no group (no opted-in target carries it)'}\n`);
    const next = m.next.map((at, i) => `${when(at)}${m.nextGroups?.[i] ? ` (${m.groupBy ?? 'group'} ${m.nextGroups[i]})` : ''}`);
    process.stdout.write(`  next: ${next.join(', ') || 'none within 31 days'}\n`);
  }
  return EXIT.passed;
}
