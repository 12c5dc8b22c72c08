// A run "executed elsewhere", written straight into the server's SQLite store: its row (state
// running, owned by another replica whose claim lasts an hour, so this server neither runs nor
// reaps it) and its events as src/server/run-service.ts's StoreRecorder stores them (type, seq,
// at in ms, and data = the JSON of the event body with type, seq and the ISO at). The server
// streams such a run by reading the store every 250 ms.
import Database from 'better-sqlite3';

const PROBES = ['site', 'api', 'db'];
const OTHER_REPLICA = 'bench-elsewhere';

export function openStore(file) {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  const insertEvent = db.prepare('INSERT INTO run_events (run_id, seq, at, type, data) VALUES (?, ?, ?, ?, ?)');
  return {
    db,
    /** A run row: 'running' (another replica's, its claim an hour long) or already 'ended'. */
    insertRun(id, title, state) {
      const now = Date.now();
      db.prepare(
        `INSERT INTO runs (id, title, state, verdict, reason, secret, started_by, created_at, started_at, ended_at, owner,
           lease_expires_at, tags, request)
         VALUES (?, ?, ?, ?, ?, 0, 'bench', ?, ?, ?, ?, ?, '["bench"]', '{"name":"bench.yaml"}')`,
      ).run(
        id,
        title,
        state,
        state === 'ended' ? 'passed' : null,
        state === 'ended' ? 'written by the dashboard bench' : null,
        now,
        now,
        state === 'ended' ? now : null,
        state === 'ended' ? null : OTHER_REPLICA,
        state === 'ended' ? null : now + 3_600_000,
      );
    },
    /** Events (bodies with their seq), in one transaction. */
    append: db.transaction((runId, events) => {
      for (const { seq, ...body } of events) {
        const at = Date.now();
        insertEvent.run(runId, seq, at, body.type, JSON.stringify({ ...body, type: body.type, seq, at: new Date(at).toISOString() }));
      }
    }),
    end(runId) {
      db.prepare("UPDATE runs SET state = 'ended', verdict = 'passed', reason = ?, ended_at = ?, lease_expires_at = NULL WHERE id = ?").run(
        'written by the dashboard bench',
        Date.now(),
        runId,
      );
    },
    close: () => db.close(),
  };
}

/** What a run says first: started, its targets, the method's phase. */
export function preamble(title) {
  const target = (pid) => ({ kind: 'process', pid, name: 'sleep', cmdline: 'sleep 600' });
  return [
    { seq: 1, type: 'run-started', title, dryRun: false, seed: 1 },
    { seq: 2, type: 'targets-resolved', targets: { workers: [target(4242), target(4243)] } },
    { seq: 3, type: 'phase-started', phase: 'method' },
  ];
}

/**
 * The body of the `i`-th streamed event (0-based), in cycles of 50: a fault step started and its
 * fault injected, readings of three availability probes, the hypothesis checked twice, the fault
 * reverted and its step ended. Per second at 100/s: 4 steps' start and end, 4 fault events, 4
 * hypothesis checks, 88 monitor readings.
 */
export function streamedEvent(i) {
  const cycle = Math.floor(i / 50);
  const c = i % 50;
  const step = `pause-${cycle}`;
  const faultId = `fault-${cycle}`;
  if (c === 0) return { type: 'activity-started', phase: 'method', kind: 'fault', name: step, detail: 'process-pause of workers' };
  if (c === 1) {
    const target = { kind: 'process', pid: 4242 + (cycle % 2), name: 'sleep', cmdline: 'sleep 600' };
    return { type: 'fault-injected', faultId, step, faultType: 'process-pause', target, output: { pids: [target.pid] } };
  }
  if (c === 48)
    return { type: 'fault-reverted', faultId, step, verification: { ok: true, detail: `pid ${4242 + (cycle % 2)} is running (state S)` } };
  if (c === 49) {
    const end = new Date().toISOString();
    const activity = { phase: 'method', kind: 'fault', name: step, type: 'process-pause', target: 'workers' };
    return { type: 'activity-ended', entry: { activity, status: 'succeeded', output: {}, start: end, end, durationMs: 480 } };
  }
  if (c === 10 || c === 35) {
    const results = PROBES.map((name) => ({ name, type: 'availability', met: true, detail: `${name}: 99.${c}% ok, p99 ${80 + c} ms` }));
    return { type: 'hypothesis-checked', phase: 'method', met: true, results };
  }
  const name = PROBES[i % PROBES.length];
  const successRate = 0.95 + ((i * 7919) % 50) / 1000;
  return { type: 'monitor-reading', name, reading: { successRate, p99: 40 + ((i * 104729) % 160), count: 20 } };
}

export const ending = (seq) => ({ seq, type: 'run-ended', verdict: 'passed', reason: 'written by the dashboard bench' });
