import { useEffect, useRef, useState } from 'react';
import type { RunEvent } from '../api.js';
import { applyEvent, emptyLive } from './live-state.js';
import type { LiveState } from './live-state.js';

/** Every event type the server streams (SSE names them), and `end` once the run is over. */
const TYPES: readonly RunEvent['type'][] = [
  'run-started',
  'targets-resolved',
  'phase-started',
  'activity-started',
  'activity-ended',
  'fault-injected',
  'fault-contained',
  'fault-reverted',
  'hypothesis-checked',
  'monitor-reading',
  'hypothesis-during-summary',
  'guardrail-tripped',
  'run-aborting',
  'faults-reverted-after-abort',
  'run-ended',
];

declare global {
  interface Window {
    /** The live view's counters, for the browser tests and the bench: events taken, last seq, seqs lost. */
    firedrillLive?: { received: number; lastSeq: number; gaps: number; ended: boolean };
  }
}

/**
 * The run's events, live: an EventSource (it resumes by itself with Last-Event-ID after a cut),
 * taken into the live state as they come and rendered at most once per frame, however fast they
 * arrive. Closes at the stream's `end`.
 */
export function useRunEvents(runId: string): { live: LiveState; ended: boolean; connected: boolean } {
  const state = useRef<LiveState>(emptyLive());
  const [, setFrame] = useState(0);
  const [ended, setEnded] = useState(false);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    state.current = emptyLive();
    const queue: RunEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      for (const event of queue.splice(0)) applyEvent(state.current, event);
      const { received, lastSeq, gaps } = state.current;
      window.firedrillLive = { received, lastSeq, gaps, ended: state.current.ended !== undefined };
      setFrame((n) => n + 1);
    };
    const source = new EventSource(`/api/v1/runs/${encodeURIComponent(runId)}/events`);
    const take = (message: MessageEvent<string>) => {
      const event = { ...(JSON.parse(message.data) as RunEvent), runId };
      queue.push(event);
      frame ||= requestAnimationFrame(flush);
    };
    for (const type of TYPES) source.addEventListener(type, take);
    source.addEventListener('end', () => {
      source.close();
      if (frame) cancelAnimationFrame(frame);
      flush();
      setEnded(true);
      setConnected(false);
      window.firedrillLive = { ...(window.firedrillLive ?? { received: 0, lastSeq: 0, gaps: 0 }), ended: true };
    });
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    return () => {
      source.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [runId]);
  return { live: state.current, ended, connected };
}
