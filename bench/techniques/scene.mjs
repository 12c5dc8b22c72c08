// The host every technique of bench/techniques.mjs acts on, all inside its temp dir and on
// 127.0.0.1: a web root, a cron.d, an authorized_keys file, a scratch system root (accounts and
// systemd units), a listening sink that is also the login and scan target. For each technique:
// its parameters, how the host shows it active and clean, and the same change by hand (`do`,
// then `undo`), the reference.
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const { fetch } = globalThis; // Node's own (eslint knows no such globals in .mjs)

export function connects(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host, timeout: 500 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A login and exfiltration sink on 127.0.0.1: it reads each request whole, then answers 401 to /login and 204 to anything else. */
export async function startSink(port) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(req.url === '/login' ? 401 : 204).end());
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { close: () => new Promise((resolve) => server.close(resolve)) };
}

const ACCOUNT_FILES = ['passwd', 'shadow', 'group', 'gshadow', 'login.defs'];

/** The scene's directories and files, made once. */
export function makeScene(dir) {
  const scene = {
    www: join(dir, 'www'),
    cron: join(dir, 'cron.d'),
    secrets: join(dir, 'secrets'),
    keys: join(dir, 'authorized_keys'),
    root: join(dir, 'root'),
  };
  for (const d of [scene.www, scene.cron, scene.secrets, join(scene.root, 'etc', 'systemd', 'system', 'multi-user.target.wants')])
    mkdirSync(d, { recursive: true });
  for (const file of ACCOUNT_FILES) copyFileSync(join('/etc', file), join(scene.root, 'etc', file));
  writeFileSync(join(scene.root, 'etc', '.pwd.lock'), '', { mode: 0o600 });
  writeFileSync(scene.keys, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFd7 ops@laptop\n', { mode: 0o600 });
  writeFileSync(join(scene.root, 'etc', 'systemd', 'system', 'shop.service'), '[Service]\nExecStart=/srv/shop/run\n', { mode: 0o644 });
  return scene;
}

const has = (dir, prefix) => readdirSync(dir).some((name) => name.startsWith(prefix));
const writeThenRemove = (file, content, mode) => ({
  do: async () => writeFileSync(file, content, { mode }),
  undo: async () => rmSync(file),
});

/**
 * Every technique: `params()`, `active(output)` (the host shows it; `output` is the agent's
 * answer to the inject, for the techniques whose effect is elsewhere), `clean()`, `byHand`.
 * `byHand.undo` is null where there is nothing to undo (the network techniques).
 * `ports`: [listener, by-hand listener, halt listener, sink, closed].
 */
export function techniques(scene, ports) {
  const account = (name) => readFileSync(join(scene.root, 'etc', 'passwd'), 'utf8').includes(`\n${name}:`);
  const units = join(scene.root, 'etc', 'systemd', 'system');
  const sinkUrl = (path) => `http://127.0.0.1:${ports[3]}${path}`;
  let listener;
  return [
    {
      type: 'cron-persistence',
      params: () => ({ directory: scene.cron }),
      active: () => has(scene.cron, 'firedrill-'),
      clean: () => !has(scene.cron, 'firedrill-'),
      byHand: writeThenRemove(join(scene.cron, 'by-hand'), '* * * * * root true\n', 0o644),
    },
    {
      type: 'web-shell',
      params: () => ({ directory: scene.www }),
      active: () => has(scene.www, 'fd-shell-'),
      clean: () => !has(scene.www, 'fd-shell-'),
      byHand: writeThenRemove(join(scene.www, 'by-hand.php'), '<?php ?>\n', 0o644),
    },
    {
      type: 'canary-credentials',
      params: () => ({ directory: scene.secrets }),
      active: () => has(scene.secrets, '.fd-credentials-'),
      clean: () => !has(scene.secrets, '.fd-credentials-'),
      byHand: writeThenRemove(join(scene.secrets, 'by-hand'), '[default]\naws_access_key_id = AKIA…\n', 0o600),
    },
    {
      type: 'ssh-authorized-key',
      params: () => ({ file: scene.keys }),
      active: () => readFileSync(scene.keys, 'utf8').includes('firedrill-'),
      clean: () => !readFileSync(scene.keys, 'utf8').includes('firedrill-'),
      byHand: {
        do: async () => appendFileSync(scene.keys, 'ssh-ed25519 AAAAby-hand by-hand\n'),
        undo: async () => truncateSync(scene.keys, readFileSync(scene.keys).length - 'ssh-ed25519 AAAAby-hand by-hand\n'.length),
      },
    },
    {
      type: 'local-account',
      params: () => ({ name: 'svc-bench', root: scene.root }),
      active: () => account('svc-bench'),
      clean: () => !account('svc-bench'),
      byHand: {
        do: async () =>
          execFileSync('useradd', ['--root', scene.root, '--no-create-home', '--shell', '/usr/sbin/nologin', 'svc-byhand'], {
            stdio: 'ignore',
          }),
        undo: async () => execFileSync('userdel', ['--root', scene.root, 'svc-byhand'], { stdio: 'ignore' }),
      },
    },
    {
      type: 'systemd-service',
      params: () => ({ root: scene.root }),
      active: () => has(units, 'firedrill-') && has(join(units, 'multi-user.target.wants'), 'firedrill-'),
      clean: () => !has(units, 'firedrill-') && !has(join(units, 'multi-user.target.wants'), 'firedrill-'),
      byHand: {
        do: async () => {
          writeFileSync(join(units, 'by-hand.service'), '[Service]\nExecStart=/bin/sleep 3600\n', { mode: 0o644 });
          symlinkSync('/etc/systemd/system/by-hand.service', join(units, 'multi-user.target.wants', 'by-hand.service'));
        },
        undo: async () => {
          rmSync(join(units, 'multi-user.target.wants', 'by-hand.service'));
          rmSync(join(units, 'by-hand.service'));
        },
      },
    },
    {
      type: 'backdoor-listener',
      params: () => ({ port: ports[0] }),
      active: () => connects(ports[0]),
      clean: async () => !(await connects(ports[0])),
      byHand: {
        do: async () => {
          const script = `require('node:net').createServer(s=>s.end('x')).listen(${ports[1]},'127.0.0.1',()=>process.stdout.write('ready'))`;
          listener = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
          await new Promise((resolve) => listener.stdout.once('data', resolve));
        },
        undo: async () => {
          listener.kill('SIGKILL');
          await new Promise((resolve) => listener.once('exit', resolve));
        },
      },
    },
    {
      type: 'service-scan',
      params: () => ({ hosts: ['127.0.0.1'], ports: [ports[3], ports[4]], timeout: 200 }),
      active: (output) => output?.open?.length === 1,
      clean: () => true, // a scan leaves nothing on the host
      byHand: { do: async () => Promise.all([connects(ports[3]), connects(ports[4])]), undo: null },
    },
    {
      type: 'http-exfiltration',
      params: () => ({ url: sinkUrl('/sink'), bytes: 4096 }),
      active: (output) => output?.status === 204,
      clean: () => true, // what was sent is the sink's
      byHand: {
        do: async () => (await fetch(sinkUrl('/sink'), { method: 'POST', body: 'x'.repeat(4096) })).arrayBuffer(),
        undo: null, // nothing to undo
      },
    },
    {
      type: 'brute-force',
      params: () => ({ url: sinkUrl('/login'), username: 'bench', attempts: 5, perSecond: 50 }),
      active: (output) => output?.statuses?.['401'] === 5,
      clean: () => true, // failed logins leave nothing to undo
      byHand: {
        // The same burst: five failed logins at 50 a second.
        do: async () => {
          for (let i = 0; i < 5; i++) {
            const at = performance.now();
            const body = JSON.stringify({ username: 'bench', password: `by-hand-${i}` });
            await (await fetch(sinkUrl('/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body })).arrayBuffer();
            const wait = at + 20 - performance.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          }
        },
        undo: null, // nothing to undo
      },
    },
  ];
}

/** One of each technique, for the halt: parameters that do not collide with the measured ones (another account, the halt's own port). */
export function haltFaults(scene, ports) {
  return techniques(scene, ports).map((t) => {
    const params = t.params();
    if (t.type === 'local-account') params.name = 'svc-halt';
    if (t.type === 'backdoor-listener') params.port = ports[2];
    return { type: t.type, params };
  });
}

/** brute-force over SSH against the namespace's sshd; by hand: the same five logins with the same ssh client, one after the other at 50 a second. */
export function sshBruteForce(dir, address) {
  const askpass = join(dir, 'by-hand-askpass');
  writeFileSync(askpass, '#!/bin/sh\necho by-hand-wrong-password\n', { mode: 0o700 });
  const args = ['-F', '/dev/null', '-n', '-T', '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no'];
  args.push('-o', 'NumberOfPasswordPrompts=1', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null');
  args.push('-o', 'LogLevel=ERROR', '-l', 'fd-by-hand', address, 'true');
  const env = { PATH: process.env.PATH, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
  const login = () => new Promise((resolve) => execFile('ssh', args, { env, timeout: 5000 }, () => resolve()));
  return {
    type: 'brute-force',
    id: 'brute-force-ssh',
    label: 'brute-force (ssh:// to sshd in a namespace)',
    // Its detonation is the burst itself — five real SSH logins, each a key exchange: judged by its ratio to the same logins by hand.
    byRatio: true,
    params: () => ({ url: `ssh://${address}:22`, username: 'fd-bench', attempts: 5, perSecond: 50 }),
    active: (output) => output?.statuses?.denied === 5,
    clean: () => true, // the askpass program is gone: the revert's verify says so
    byHand: {
      do: async () => {
        for (let i = 0; i < 5; i++) {
          const at = performance.now();
          await login();
          const wait = at + 20 - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
      },
      undo: null,
    },
  };
}
