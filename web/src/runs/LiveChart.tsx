import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LiveState } from './live-state.js';

const COLORS = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#9a6700', '#0a7ea4'];
const HEIGHT = 200;

interface FaultWindow {
  readonly from: number;
  readonly to: number;
}

declare global {
  interface Window {
    /** The live charts, for the browser tests (as the HTML report's `firedrillCharts`). */
    firedrillLiveCharts?: Record<string, uPlot>;
  }
}

/**
 * A live chart of the run (availability in %, or p99 latency in ms, per probe) with the fault
 * windows shaded as in report.html; redrawn with the view, at most once a frame.
 */
export function LiveChart({ live, kind }: { live: LiveState; kind: 'availability' | 'latency' }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const windows = useRef<FaultWindow[]>([]);
  const probes = live.chart.probes.join('\n');

  const now = live.ended || !live.startedAt ? (live.chart.x.at(-1) ?? 0) : (Date.now() - live.startedAt) / 1000;
  windows.current = [...live.faults.values()].map((f) => ({
    from: (f.injectedAt - (live.startedAt ?? f.injectedAt)) / 1000,
    to: f.revertedAt === undefined ? now : (f.revertedAt - (live.startedAt ?? f.revertedAt)) / 1000,
  }));
  const series = kind === 'availability' ? live.chart.successRate : live.chart.p99;
  const data: uPlot.AlignedData = [live.chart.x, ...series];

  // One plot per set of probes; its data is replaced at each render.
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const names = probes ? probes.split('\n') : [];
    const made = new uPlot(
      {
        width: Math.max(element.clientWidth, 280),
        height: HEIGHT,
        scales: { x: { time: false }, y: kind === 'availability' ? { range: [0, 100] } : {} },
        legend: { live: false },
        axes: [{ label: 'seconds since start' }, { label: kind === 'availability' ? 'success %' : 'p99 ms' }],
        series: [{}, ...names.map((name, i) => ({ label: name, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true }))],
        hooks: { drawClear: [(u: uPlot) => shade(u, windows.current)] },
      },
      [[], ...names.map(() => [])],
      element,
    );
    plot.current = made;
    window.firedrillLiveCharts = { ...window.firedrillLiveCharts, [kind]: made };
    const resize = new ResizeObserver(() => made.setSize({ width: Math.max(element.clientWidth, 280), height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      made.destroy();
      plot.current = undefined;
    };
  }, [kind, probes]);

  useEffect(() => plot.current?.setData(data));

  const label = kind === 'availability' ? 'Availability (success %)' : 'Latency (p99, ms)';
  return (
    <figure className="live-chart">
      <figcaption>{label}</figcaption>
      <div
        ref={box}
        role="img"
        aria-label={`${label}: ${live.chart.x.length} readings, ${windows.current.length} fault window(s) shaded`}
      />
      {live.chart.x.length === 0 && <p className="muted">No reading yet: this run has no availability probe, or it has not started.</p>}
    </figure>
  );
}

/** Fault windows under the series, in the report's colour. */
function shade(u: uPlot, windows: readonly FaultWindow[]): void {
  const { ctx, bbox: b } = u;
  ctx.save();
  ctx.beginPath();
  ctx.rect(b.left, b.top, b.width, b.height);
  ctx.clip();
  ctx.fillStyle = 'rgba(207, 34, 46, 0.13)';
  for (const w of windows) {
    const x0 = u.valToPos(w.from, 'x', true);
    const x1 = u.valToPos(w.to, 'x', true);
    ctx.fillRect(x0, b.top, Math.max(x1 - x0, 2), b.height);
  }
  ctx.restore();
}
