// The ping-pong of the proxy bench's inject measurement: one connection through the proxy, a
// 64-byte round trip every ~gap µs, every round trip recorded, so the bench can tell when a
// toxic reached the connection and how long the proxy stalled while the agent served a call.
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { setInterval } from 'node:timers';
import { HOST } from '../net.mjs';

/**
 * Ping-pong on one connection (a round trip every `gapUs` µs after the previous answer), every
 * round trip recorded (send and receive time, process.hrtime = CLOCK_MONOTONIC, the bench's
 * clock too). Over IPC:
 *   { cmd: 'settle', thresholdUs, need } → { settled } after `need` consecutive round trips
 *       under the threshold (the records start over then);
 *   { cmd: 'find', since, thresholdUs } → the first round trip received after `since` that took
 *       longer than the threshold, and the last one before it that did not;
 *   { cmd: 'window', id, from, to, thresholdUs, latencyUs } → { window: id, maxUs }, the longest
 *       round trip overlapping [from, to], less the toxic's latency for one that carries it.
 */
export function pinger([port, size, gapUs], ready) {
  const bytes = Number(size);
  // A pause between round trips that takes no CPU (the thread sleeps): the ping-pong must not
  // keep both cores busy, or it would slow down the very API call it times.
  const gapMs = Number(gapUs) / 1000;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const socket = connect({ host: HOST, port: Number(port), noDelay: true });
  const payload = Buffer.alloc(bytes, 0x62);
  let records = [];
  let settle;
  let find;
  let got = 0;
  let sentAt = 0n;
  let count = 0;
  const send = () => {
    got = 0;
    sentAt = process.hrtime.bigint();
    socket.write(payload);
  };
  const answer = (record, previous) => ({
    send: record.send.toString(),
    recv: record.recv.toString(),
    rttUs: record.rttUs,
    previousRecv: previous?.recv.toString(),
    roundTrips: count,
  });
  const search = () => {
    const since = find.since;
    let previous;
    for (const record of records) {
      if (record.recv <= since) continue;
      if (record.rttUs > find.thresholdUs) {
        process.send(answer(record, previous));
        find = undefined;
        return;
      }
      previous = record;
    }
  };
  socket.on('connect', () => {
    ready({ pid: process.pid });
    send();
  });
  socket.on('data', (chunk) => {
    got += chunk.length;
    if (got < bytes) return;
    const recv = process.hrtime.bigint();
    const record = { send: sentAt, recv, rttUs: Number(recv - sentAt) / 1000 };
    count += 1;
    if (settle) {
      settle.run = record.rttUs < settle.thresholdUs ? settle.run + 1 : 0;
      if (settle.run >= settle.need) {
        settle = undefined;
        records = [];
        process.send({ settled: true });
      }
    } else {
      records.push(record);
      if (records.length > 1_000_000) records = records.slice(-500_000);
      if (find && record.recv > find.since && record.rttUs > find.thresholdUs) search();
    }
    if (gapMs > 0) Atomics.wait(sleeper, 0, 0, gapMs);
    send();
  });
  socket.on('error', (error) => {
    process.stderr.write(`pinger: ${error.message}\n`);
    process.exit(1);
  });
  // The longest round trip overlapping [from, to] (one carrying the toxic counts without the
  // toxic's latency), once round trips received after `to` exist: how long the proxy stalled.
  const windows = [];
  const answerWindows = () => {
    const last = records.at(-1)?.recv ?? 0n;
    for (const w of windows.filter((w) => last > w.to)) {
      let maxUs = 0;
      for (const r of records)
        if (r.recv > w.from && r.send < w.to) maxUs = Math.max(maxUs, r.rttUs > w.thresholdUs ? r.rttUs - w.latencyUs : r.rttUs);
      process.send({ window: w.id, maxUs });
      windows.splice(windows.indexOf(w), 1);
    }
  };
  setInterval(answerWindows, 1).unref();
  process.on('message', (message) => {
    if (message.cmd === 'window')
      windows.push({
        id: message.id,
        from: BigInt(message.from),
        to: BigInt(message.to),
        thresholdUs: message.thresholdUs,
        latencyUs: message.latencyUs,
      });
    if (message.cmd === 'settle') settle = { thresholdUs: message.thresholdUs, need: message.need, run: 0 };
    if (message.cmd === 'find') {
      find = { since: BigInt(message.since), thresholdUs: message.thresholdUs };
      search();
    }
  });
}
