// Starting and stopping the proxy bench's helper processes (roles/main.mjs): each in its own
// process group, tracked by support so a failure cannot leave one behind, talking to the bench
// through its first stdout line (ready), its exit (a measurement's result) or IPC (the pinger).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killHard, sleep, track, untrack, withTimeout } from '../support.mjs';

const entry = fileURLToPath(new URL('./roles/main.mjs', import.meta.url));

/**
 * A helper process of `role`, its stdin a pipe (it exits when the pipe closes). Resolves once it
 * printed its ready line (`info`), unless `waitReady` is false; `cpu` pins it with taskset.
 */
export async function startHelper(dir, role, args = [], { ipc = false, waitReady = true, timeoutMs = 10_000, cpu } = {}) {
  const command = [process.execPath, entry, role, ...args];
  if (cpu !== undefined) command.unshift('taskset', '-c', String(cpu)); // taskset execs node: same pid
  const child = spawn(command[0], command.slice(1), {
    cwd: dir,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  track(child.pid, { group: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const helper = {
    role,
    child,
    pid: child.pid,
    info: undefined,
    /** Waits for the exit (killed after `ms`); resolves { code, signal, stdout, stderr }. */
    async finished(ms) {
      const timer = setTimeout(() => killHard(child.pid, { group: true }), ms);
      const { code, signal } = await exited;
      clearTimeout(timer);
      untrack(child.pid);
      return { code, signal, stdout, stderr: stderr + (signal ? `\n(killed: ${signal})` : '') };
    },
    /** One IPC request, resolved by the first message that `accept` takes. */
    request(message, accept) {
      return new Promise((resolve) => {
        const onMessage = (reply) => {
          if (!accept(reply)) return;
          child.off('message', onMessage);
          resolve(reply);
        };
        child.on('message', onMessage);
        child.send(message);
      });
    },
    exited,
  };
  child.stdout.on('data', (chunk) => (stdout += chunk));
  if (!waitReady) return helper;
  const line = await withTimeout(
    new Promise((resolve, reject) => {
      const check = () => {
        const newline = stdout.indexOf('\n');
        if (newline >= 0) resolve(stdout.slice(0, newline));
      };
      child.stdout.on('data', check);
      void exited.then(({ code, signal }) => reject(new Error(`helper ${role} exited (${code ?? signal}): ${stderr}`)));
    }),
    timeoutMs,
    `helper ${role} to start`,
  );
  helper.info = JSON.parse(line);
  return helper;
}

/** Closes its stdin (it exits on its own); killed if still there 2 s later. */
export async function stopHelper(helper) {
  helper.child.stdin.end();
  const gone = await Promise.race([helper.exited.then(() => true), sleep(2000).then(() => false)]);
  if (!gone) killHard(helper.pid, { group: true });
  untrack(helper.pid);
}
