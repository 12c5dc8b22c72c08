import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { ChunkQueue } from '../../src/proxy/toxics/chunk-queue.js';
import { TimedQueue } from '../../src/proxy/toxics/timed-queue.js';

/** What a queue hands on: the bytes in order, and whether the FIN came after them. */
function outlet() {
  const seen = { pieces: [] as string[], ended: false, afterEnd: 0 };
  return {
    seen,
    push: (chunk: Buffer) => {
      if (seen.ended) seen.afterEnd++;
      seen.pieces.push(chunk.toString());
    },
    end: () => {
      seen.ended = true;
    },
  };
}

describe('ChunkQueue, the paced queue of the bandwidth and slicer toxics', () => {
  it('hands on pieces of the chunks in order at its step’s pace, and the FIN only after the last byte', async () => {
    const out = outlet();
    const queue: ChunkQueue = new ChunkQueue(out, () => {
      queue.send(4);
      return 0;
    });
    queue.write(Buffer.from('abcdef'));
    queue.write(Buffer.from('ghij'));
    queue.end();
    expect(out.seen).toMatchObject({ pieces: ['abcd'], ended: false });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(out.seen).toEqual({ pieces: ['abcd', 'ef', 'ghij'], ended: true, afterEnd: 0 });
  });

  it('hands on everything it holds at once when flushed, in order, then the FIN that came, and steps no more', () => {
    const out = outlet();
    let steps = 0;
    const queue: ChunkQueue = new ChunkQueue(out, () => {
      steps++;
      queue.send(1);
      return 60_000;
    });
    queue.write(Buffer.from('abc'));
    queue.write(Buffer.from('def'));
    queue.end();
    queue.flush();
    queue.stop();
    expect(out.seen).toEqual({ pieces: ['a', 'bc', 'def'], ended: true, afterEnd: 0 });
    queue.write(Buffer.from('late'));
    expect(steps).toBe(1);
  });
});

describe('TimedQueue, the latency toxic’s clock', () => {
  it('never releases a chunk before its time, however early its timer fires, and keeps the order', async () => {
    const released: { at: number; due: number; n: number }[] = [];
    let n = 0;
    const push = (chunk: Buffer) => {
      const [number, due] = chunk.toString().split('@');
      released.push({ at: performance.now(), due: Number(due), n: Number(number) });
    };
    const queue = new TimedQueue({ push, end: () => undefined });
    for (let i = 0; i < 60; i++) {
      // Fractions of a millisecond, where timers counting whole milliseconds fire early.
      const due = performance.now() + 0.3 + (i % 5) * 0.7;
      queue.add(Buffer.from(`${n++}@${due}`), due);
      if (i % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    while (released.length < 60) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(released.map((r) => r.n)).toEqual([...Array(60).keys()]);
    expect(released.filter((r) => r.at < r.due)).toEqual([]);
  });
});
