// The orphans bench's two kinds of iteration: the control (every Firedrill process killed with
// every fault active, recovery withheld) and a measured one (the run, the agent's worker or both
// killed at a random moment, nothing done by hand), each followed by the survey of what is left.
import {
  api,
  isGone,
  killGroup,
  nowMs,
  pollUntil,
  procState,
  round1,
  sleep,
  spawnSleeps,
  startAgent,
  untrack,
  workerPid,
} from '../support.mjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countLeft, phaseOf } from './survey.mjs';

/** `firedrill run` of the four faults on `sleeper`, with the bench's lease TTL. */
function runOn(s, sleeper, onSpawn) {
  return s.run(['-q', '--var', `pid=${sleeper}`, '--lease-ttl', `${s.options.ttl}ms`], { timeoutMs: 60_000, onSpawn });
}

/** An agent killed with SIGKILL: wait until it is gone, and stop tracking it. */
async function reaped(agent) {
  await pollUntil(() => isGone(agent.pid), 2000);
  untrack(agent.pid);
}

/**
 * The control, before the measured iterations: everything is killed — the controller, the
 * agent's worker and its supervisor — while all four faults are active, so that no Firedrill
 * process is left to recover. The survey must then see every kind of orphan (1 paused,
 * 2 workers, 1 fill file, 4 open records) — proof that it can see them. Then an agent is
 * started, which must recover all of it.
 */
export async function controlIteration(s) {
  const { survey } = s;
  const [sleeper] = spawnSleeps(1);
  const firstId = survey.lastId();
  let child;
  const run = runOn(s, sleeper, (c) => (child = c));
  const active = await pollUntil(() => {
    const records = survey.recordsSince(firstId);
    return records.length === 4 && records.every((r) => r.status === 'active');
  }, 20_000);
  if (active === undefined) throw new Error('control: the four faults never became active');
  const worker = workerPid(s.stateDir);
  process.kill(worker, 'SIGKILL');
  process.kill(s.agent.pid, 'SIGKILL');
  killGroup(child.pid, 'SIGKILL');
  await run;
  await reaped(s.agent);
  await pollUntil(() => isGone(worker), 2000);
  const seen = survey.look(sleeper);
  const found = { paused: seen.paused.length, workers: seen.workers.length, fills: seen.fills.length, open: seen.open.length };
  if (found.paused !== 1 || found.workers !== 2 || found.fills !== 1 || found.open !== 4) {
    throw new Error(`control: the survey should see 1 paused, 2 workers, 1 fill file and 4 open records, saw ${JSON.stringify(seen)}`);
  }
  const restartedAt = nowMs();
  s.agent = await startAgent(s.stateDir);
  const clean = await pollUntil(() => countLeft(survey.look(sleeper)) === 0, 3000);
  if (clean === undefined) throw new Error(`control: a restarted agent left ${JSON.stringify(survey.look(sleeper))}`);
  process.kill(sleeper, 'SIGKILL');
  untrack(sleeper);
  return { found, restartToCleanMs: round1(clean - restartedAt) };
}

/** Who is killed in a measured iteration: a third each. */
const VICTIMS = ['controller', 'agent', 'both'];

/**
 * A measured iteration: the run, the agent's worker, or both at once SIGKILLed after a random
 * delay — a quarter in 0–200 ms (before the intents, mostly), a quarter in 120–400 ms (around
 * the injection), half in 400–2600 ms. Then nothing is done by hand: every fault must be
 * reverted within the lease TTL + 1 s (the agent's lease expiry for a dead run; its supervisor
 * starting a new worker, whose recovery reverts, for a dead worker). Whatever is left then is
 * counted into `m` and cleared, so iterations stay independent.
 */
export async function killAndRecover(s, m, i) {
  const { survey } = s;
  // A worker restarted by the last iteration writes agent.json once it is ready: wait for it.
  await pollUntil(() => !isGone(workerPid(s.stateDir) ?? 0), 5000);
  const [sleeper] = spawnSleeps(1);
  const firstId = survey.lastId();
  const victim = VICTIMS[Math.floor(Math.random() * VICTIMS.length)];
  const roll = Math.random();
  const delay = roll < 0.25 ? Math.random() * 200 : roll < 0.5 ? 120 + Math.random() * 280 : 400 + Math.random() * 2200;
  let child;
  let runEnded = false;
  let runEndedAt;
  const run = runOn(s, sleeper, (c) => (child = c)).then((r) => {
    runEnded = true;
    runEndedAt = nowMs();
    return r;
  });
  await sleep(delay);
  const runEndedBefore = runEnded;
  const worker = workerPid(s.stateDir);
  const killedAt = nowMs();
  if (victim !== 'agent') killGroup(child.pid, 'SIGKILL');
  if (victim !== 'controller') {
    try {
      process.kill(worker, 'SIGKILL'); // the worker alone, as kill -9 of agent.json's pid would
    } catch (error) {
      m.notes.push(`iteration ${i}: the worker ${worker} was already gone (${error.code})`);
    }
  }

  const bound = s.options.ttl + 1000;
  // A run whose worker alone was killed lives on: what it injects into the next worker is its
  // own until it ends. What the dead worker held must be gone within the bound of the kill.
  const runAlive = victim === 'agent' ? () => (runEnded ? runEndedAt : Infinity) : () => 0;
  const clean = await cleanWithin(s, sleeper, firstId, killedAt, bound, runAlive);
  for (const r of survey.recordsSince(firstId)) {
    if (r.created_at <= killedAt && (r.reverted_at === null || r.reverted_at > killedAt + bound))
      m.lateReverts.push(
        `iteration ${i}: ${r.run_id}/${r.fault_id} ${r.type} (injected before the kill) ` +
          (r.reverted_at === null ? 'not reverted' : `reverted ${Math.round(r.reverted_at - killedAt)} ms after the kill`),
      );
  }
  const phase = phaseOf(survey.recordsSince(firstId), killedAt, runEndedBefore);
  m.tally[`${victim} ${phase}`] = (m.tally[`${victim} ${phase}`] ?? 0) + 1;
  const records = survey.recordsSince(firstId);
  if (victim === 'agent' && records.some((r) => r.created_at > killedAt)) {
    // The run went on: recovery is how long what the dead worker held took to go.
    const held = records.filter((r) => r.created_at <= killedAt && r.reverted_at !== null);
    if (held.length > 0) m.recoveryMs.agent.push(Math.max(...held.map((r) => r.reverted_at)) - killedAt);
  } else if (clean !== undefined) m.recoveryMs[victim].push(clean - killedAt);
  if (victim !== 'controller') m.agentRestarts += 1;
  await settleRun(m, run, child, i);

  const found = survey.look(sleeper);
  const orphans = clean === undefined ? Math.max(1, countLeft(found)) : countLeft(found);
  for (const failed of survey.revertFailedSince(firstId))
    m.revertFailed.push(`iteration ${i}: ${failed.run_id}/${failed.fault_id} ${failed.type}: ${failed.verification}`);
  if (orphans > 0) {
    m.totalOrphans += orphans;
    const runIds = new Set(survey.recordsSince(firstId).map((r) => r.run_id));
    m.orphanLog.push({
      iteration: i,
      victim,
      phase,
      delayMs: Math.round(delay),
      notCleanWithinMs: clean === undefined ? bound : undefined,
      ...found,
      // What the agents said of that run, so that an orphan can be explained afterwards.
      records: survey
        .recordsSince(firstId)
        .map(
          (r) =>
            `${r.id} ${r.run_id}/${r.fault_id} ${r.status} created ${r.created_at} injected ${r.injected_at} reverted ${r.reverted_at} ${r.revert_reason ?? ''}`,
        ),
      agentLog: agentLogLines(
        s.stateDir,
        (line) => [...runIds].some((id) => line.includes(id)) || loggedBetween(line, killedAt - 1000, nowMs()),
      ),
    });
    // Clear them so the next iteration starts clean: the agent's recovery, then by hand.
    try {
      await api(s.agent, 'POST', '/v1/recover', {}, 30_000);
    } catch (error) {
      m.notes.push(`iteration ${i}: recover failed: ${error.message}`);
    }
    survey.clearByHand();
  }
  // The sleeper's work is done: resume (if left paused) and end it.
  process.kill(sleeper, 'SIGCONT');
  process.kill(sleeper, 'SIGKILL');
  untrack(sleeper);
  await pollUntil(() => procState(sleeper) === undefined, 2000);
}

/**
 * Watches until `bound` has passed since the later of the kill, the run's last intent and (for a
 * run that outlived the kill) the run's end, then
 * says when the survey last became clean (undefined when something is left at the end). Seeing
 * nothing at once proves nothing: the injections a killed run had already sent still land after
 * the kill (later still while a restarted worker gets ready), and a fault's lease starts when it
 * is injected — so the whole bound is watched, every time.
 */
async function cleanWithin(s, sleeper, firstId, killedAt, bound, runEndedAt) {
  let cleanSince;
  for (;;) {
    const left = countLeft(s.survey.look(sleeper));
    if (left > 0) cleanSince = undefined;
    else cleanSince ??= nowMs();
    const lastIntent = Math.max(killedAt, runEndedAt(), ...s.survey.recordsSince(firstId).map((r) => r.created_at));
    if (nowMs() > lastIntent + bound) return cleanSince;
    await sleep(5);
  }
}

/** A run whose worker was killed hears of it at its next renewal and ends (bounded, then killed). */
async function settleRun(m, run, child, i) {
  // Unref'd: the timer must not hold this script open 20 s after its end once the run has ended.
  const ended = await Promise.race([run, sleep(20_000, undefined, { ref: false })]);
  if (!ended) {
    m.notes.push(`iteration ${i}: the run had not ended 20 s after the kill; killed`);
    killGroup(child.pid, 'SIGKILL');
    await run;
  }
}

/** The lines of the agents' logs that `keep` selects (the bench's agent and any a run started). */
function agentLogLines(stateDir, keep) {
  const lines = [];
  for (const file of [join(stateDir, '..', 'bench-agent.log'), join(stateDir, 'agent.log')]) {
    try {
      lines.push(...readFileSync(file, 'utf8').split('\n').filter(keep));
    } catch {
      // no such log
    }
  }
  return lines;
}

/** A JSON log line whose time falls in [from, to] (epoch ms). */
function loggedBetween(line, from, to) {
  const at = Date.parse(/"time":"([^"]+)"/.exec(line)?.[1] ?? '');
  return at >= from && at <= to;
}
