// The programs the proxy bench compares against — nginx (with its stream module), iperf3, wrk —
// taken from Debian: installed with apt-get when missing (root only, services kept from
// starting), otherwise that column or table is skipped with a note. And running them bounded.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { onCleanup, track, untrack } from '../support.mjs';

/**
 * nginx, iperf3 and wrk as this run has them (`--skip nginx,iperf3,wrk`, `--no-install`): each
 * truthy when usable (nginx: { loadModule }), and the versions of what is there; why something
 * is missing goes to `notes`.
 */
export function findTools(options, notes) {
  const noInstall = process.argv.includes('--no-install');
  const skip = new Set(options.skip.split(',').filter(Boolean));
  const nginx = skip.has('nginx') ? skipped(notes, 'nginx', '--skip') : ensureNginx(notes, noInstall);
  const iperf3 = skip.has('iperf3') ? skipped(notes, 'iperf3', '--skip') : ensureTool(notes, noInstall, 'iperf3', ['iperf3']);
  const wrk = skip.has('wrk') ? skipped(notes, 'wrk', '--skip') : ensureTool(notes, noInstall, 'wrk', ['wrk']);
  if (!nginx) notes.push('no nginx: no nginx column, and the HTTP upstream is a Node http server');
  if (!iperf3) notes.push('no iperf3: throughput measured with the Node harness of this script');
  if (!wrk) notes.push('no wrk: no HTTP table');
  const versions = {
    kernel: release(),
    nginx: nginx ? execText('nginx', ['-v']).replace(/^nginx version: /, '') : undefined, // nginx/1.22.1
    iperf3: iperf3 ? execText('iperf3', ['--version']).split('\n')[0] : undefined,
    wrk: wrk ? execText('wrk', ['-v']).split('\n')[0].split(' [')[0] : undefined,
  };
  return { nginx, iperf3, wrk, versions };
}

/** Notes why `tool` is not used; undefined, to stand for the missing tool. */
export function skipped(notes, tool, why) {
  notes.push(`${tool}: skipped (${why})`);
  return undefined;
}

export function have(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs a command with a time bound; never rejects: { code, stdout, stderr }. */
export function execBounded(command, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        untrack(child.pid);
        resolve({ code: error ? (error.code ?? error.signal) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    track(child.pid);
  });
}

/** stdout and stderr of a short command (nginx -V and -v print to stderr). */
export function execText(command, args) {
  const out = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 10_000 });
  return `${out.stdout ?? ''}${out.stderr ?? ''}`.trim();
}

/** The tool, or apt-get install of `packages` (root only), or undefined with a note. */
function ensureTool(notes, noInstall, command, packages, ok = () => have(command)) {
  if (ok()) return true;
  if (noInstall) return skipped(notes, command, `missing; --no-install given (apt-get install ${packages.join(' ')})`);
  if (process.getuid?.() !== 0) return skipped(notes, command, `missing, and apt-get install ${packages.join(' ')} needs root`);
  try {
    aptInstall(packages);
  } catch (error) {
    return skipped(notes, command, `apt-get install ${packages.join(' ')} failed: ${String(error.message).split('\n')[0]}`);
  }
  if (!ok()) return skipped(notes, command, `still missing after apt-get install ${packages.join(' ')}`);
  notes.push(`${command}: installed with apt-get (${packages.join(' ')})`);
  return true;
}

/**
 * apt-get install, services kept from starting (a policy-rc.d that says no, removed afterwards)
 * — the bench runs its own nginx, never the system's. `apt-get update` once if the first try fails.
 */
function aptInstall(packages) {
  const policy = '/usr/sbin/policy-rc.d';
  const ours = !existsSync(policy);
  const removePolicy = () => ours && rmSync(policy, { force: true });
  if (ours) {
    writeFileSync(policy, '#!/bin/sh\n# written by firedrill bench/proxy.mjs for the length of an apt-get install\nexit 101\n');
    chmodSync(policy, 0o755);
    onCleanup(removePolicy);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
  try {
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update'], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
      install();
    }
  } finally {
    removePolicy();
  }
}

/** nginx with the stream module: { loadModule } (the .so when it is a dynamic module), or undefined. */
function ensureNginx(notes, noInstall) {
  const probe = () => {
    if (!have('nginx')) return undefined;
    const built = execText('nginx', ['-V']);
    if (/--with-stream(\s|$)/.test(built)) return { loadModule: undefined };
    if (!built.includes('--with-stream=dynamic')) return undefined;
    const modulesPath = /--modules-path=(\S+)/.exec(built)?.[1] ?? '/usr/lib/nginx/modules';
    const so = join(modulesPath, 'ngx_stream_module.so');
    return existsSync(so) ? { loadModule: so } : undefined;
  };
  return ensureTool(notes, noInstall, 'nginx', ['nginx', 'libnginx-mod-stream'], () => probe() !== undefined) ? probe() : undefined;
}
