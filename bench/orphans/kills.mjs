// The orphans bench's two kinds of iteration: the control (both processes killed with every
// fault active, recovery withheld) and a measured one (one process killed at a random moment,
// then recovered as a user would), each followed by the survey of what is left.
import {
  adoptAgent,
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
} from '../support.mjs';
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
 * The control, before the measured iterations: the controller and the agent are both killed
 * while all four faults are active, and recovery is withheld. The survey must then see every kind
 * of orphan (1 paused, 2 workers, 1 fill file, 4 open records) — proof that it can see them. Then
 * an agent is started, which must recover all of it.
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
  process.kill(s.agent.pid, 'SIGKILL');
  killGroup(child.pid, 'SIGKILL');
  await run;
  await reaped(s.agent);
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

/**
 * A measured iteration: the run or the agent (50/50) SIGKILLed after a random delay — a quarter
 * in 0–200 ms (before the intents, mostly), a quarter in 120–400 ms (around the injection), half
 * in 400–2600 ms — then recovery, then the survey; whatever is left is counted into `m` and
 * cleared, so iterations stay independent.
 */
export async function killAndRecover(s, m, i) {
  const { survey } = s;
  const [sleeper] = spawnSleeps(1);
  const firstId = survey.lastId();
  const victim = Math.random() < 0.5 ? 'controller' : 'agent';
  const roll = Math.random();
  const delay = roll < 0.25 ? Math.random() * 200 : roll < 0.5 ? 120 + Math.random() * 280 : 400 + Math.random() * 2200;
  let child;
  let runEnded = false;
  const run = runOn(s, sleeper, (c) => (child = c)).then((r) => {
    runEnded = true;
    return r;
  });
  await sleep(delay);
  const runEndedBefore = runEnded;
  const killedAt = nowMs();
  if (victim === 'controller') killGroup(child.pid, 'SIGKILL');
  else process.kill(s.agent.pid, 'SIGKILL'); // the agent alone, as kill -9 would

  let clean;
  if (victim === 'controller') {
    await run;
    // Recovery is the agent's job: the lease expires after the TTL.
    clean = await pollUntil(() => countLeft(survey.look(sleeper)) === 0, s.options.ttl + 3000);
  } else {
    await recoverAgent(s, m, run, child, i);
    clean = await pollUntil(() => countLeft(survey.look(sleeper)) === 0, 3000);
  }
  const phase = phaseOf(survey.recordsSince(firstId), killedAt, runEndedBefore);
  m.tally[`${victim} ${phase}`] = (m.tally[`${victim} ${phase}`] ?? 0) + 1;
  if (clean !== undefined) m.recoveryMs[victim].push(clean - killedAt);

  const found = survey.look(sleeper);
  const orphans = countLeft(found);
  for (const failed of survey.revertFailedSince(firstId))
    m.revertFailed.push(`iteration ${i}: ${failed.run_id}/${failed.fault_id} ${failed.type}: ${failed.verification}`);
  if (orphans > 0) {
    m.totalOrphans += orphans;
    m.orphanLog.push({ iteration: i, victim, phase, delayMs: Math.round(delay), ...found });
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
 * After the agent was killed: the run notices (failed reverts, lost lease) and ends — bounded,
 * then it is killed — and an agent takes over: one the run started of its own, or one started
 * here, which reverts the open ledger records before it listens.
 */
async function recoverAgent(s, m, run, child, i) {
  await reaped(s.agent);
  // Unref'd: the timer must not hold this script open 20 s after its end once the run has ended.
  const ended = await Promise.race([run, sleep(20_000, undefined, { ref: false })]);
  if (!ended) {
    m.notes.push(`iteration ${i}: the run had not ended 20 s after the agent was killed; killed`);
    killGroup(child.pid, 'SIGKILL');
    await run;
  }
  const theirs = adoptAgent(s.stateDir);
  if (theirs) {
    s.agent = theirs;
    m.agentsAdopted += 1;
  } else {
    s.agent = await startAgent(s.stateDir);
    m.agentRestarts += 1;
  }
}
