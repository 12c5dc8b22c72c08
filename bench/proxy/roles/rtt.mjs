// The latency client of the proxy bench: N sequential round trips of `size` bytes on one
// connection after `warmup` ones, each timed with process.hrtime; prints percentiles in µs.
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { percentile } from '../../support/stats.mjs';
import { HOST } from '../net.mjs';

export async function rtt([port, size, warmup, count]) {
  const samples = await roundTrips(Number(port), Number(size), Number(warmup), Number(count));
  samples.sort();
  const at = (p) => percentile(samples, p);
  let sum = 0;
  for (const value of samples) sum += value;
  process.stdout.write(
    `${JSON.stringify({ n: samples.length, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: samples[samples.length - 1], mean: sum / samples.length })}\n`,
  );
  process.exit(0);
}

function roundTrips(port, size, warmup, count) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port, noDelay: true });
    const payload = Buffer.alloc(size, 0x61);
    const samples = new Float64Array(count);
    let i = -warmup;
    let got = 0;
    let sentAt = 0n;
    const send = () => {
      got = 0;
      sentAt = process.hrtime.bigint();
      socket.write(payload);
    };
    socket.on('connect', send);
    socket.on('data', (chunk) => {
      got += chunk.length;
      if (got < size) return;
      const now = process.hrtime.bigint();
      if (i >= 0) samples[i] = Number(now - sentAt) / 1000;
      i += 1;
      if (i < count) return send();
      socket.destroy();
      resolve(samples);
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed after ${i + warmup} round trips`)));
  });
}
