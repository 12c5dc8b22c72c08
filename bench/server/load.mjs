// A bounded HTTP load generator for the server bench: `connections` keep-alive loops against one
// URL for `seconds` (and at most `maxRequests`), each request timed. Only 127.0.0.1.
import { Agent, request } from 'node:http';
import { nowMs } from '../support.mjs';

/** { count, errors, latenciesMs } of GET `url` from `connections` concurrent keep-alive loops. */
export async function load(url, { connections = 16, seconds = 10, maxRequests = 500_000, headers = {} } = {}) {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error(`load only goes to 127.0.0.1, not ${target.hostname}`);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latenciesMs = [];
  let errors = 0;
  let sent = 0;
  const until = nowMs() + seconds * 1000;
  const one = () =>
    new Promise((resolve) => {
      const started = nowMs();
      const req = request(target, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latenciesMs.push(nowMs() - started);
          else errors += 1;
          resolve();
        });
      });
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end();
    });
  const loop = async () => {
    while (nowMs() < until && sent < maxRequests) {
      sent += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  agent.destroy();
  return { count: latenciesMs.length, errors, latenciesMs };
}
