/**
 * The host's login endpoint, run with `node -e LOGIN_SCRIPT -- <address> <port> <log> <owner pid>`
 * inside the namespace: `POST /login` with `{username, password}` (JSON or a form) answers 401
 * to every attempt — it knows no password — and writes one line per attempt to its log, the
 * source address included, as an auth log does. It exits when the demo (its owner) is gone.
 */
export const LOGIN_SCRIPT = `
const [address, port, log, owner] = process.argv.slice(1);
const fs = require('node:fs');
const write = (line) => fs.appendFileSync(log, new Date().toISOString() + ' ' + line + '\\n');
const server = require('node:http').createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { if (body.length < 4096) body += chunk; });
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/login') { res.writeHead(404).end(); return; }
    let user = '?';
    try {
      user = (req.headers['content-type'] || '').includes('json') ? JSON.parse(body).username : new URLSearchParams(body).get('username');
    } catch {}
    const from = (req.socket.remoteAddress || '?').replace(/^::ffff:/, '');
    write('login: failed login user=' + String(user).replace(/[^A-Za-z0-9._-]/g, '?').slice(0, 64) + ' from=' + from);
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid credentials"}');
  });
});
server.listen(Number(port), address, () => write('login: listening on ' + address + ':' + port));
setInterval(() => { try { process.kill(Number(owner), 0); } catch { process.exit(0); } }, 1000).unref();
`;

/** A line of the login log that a failed login wrote: the account and the source. */
export const FAILED_LOGIN = String.raw`login: failed login user=(\S+) from=(\S+)`;
