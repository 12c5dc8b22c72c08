/**
 * The report's only script: draws each run's charts with uPlot from its JSON block
 * (`script.fd-chart-data`, data-for = the id of the chart box). Fault windows are shaded under
 * the series, guardrail trips and aborts are dashed lines; charts follow the page width and
 * shrink for printing. Labels reach the page only through textContent or the canvas.
 * `window.firedrillCharts` lists the plots, for the browser test and for anyone curious.
 *
 * scripts/bundle.mjs compiles this file to one IIFE that the HTML report inlines after uPlot's
 * own build (which defines the global `uPlot`); it has its own tsconfig (DOM, no Node).
 */
import type UPlot from 'uplot';
import type { ChartData } from '../chart-data.js';

declare const uPlot: typeof UPlot;

interface DrawnChart {
  readonly id: string;
  readonly kind: 'availability' | 'latency';
  readonly plot: UPlot;
  resize(width?: number): void;
}

declare global {
  interface Window {
    firedrillCharts: DrawnChart[];
  }
}

const COLORS = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#9a6700', '#0a7ea4'];
const HEIGHT = 220;
const charts: DrawnChart[] = [];
window.firedrillCharts = charts;

/** Fault windows shaded under the series; trips and aborts as dashed lines with labels. */
function overlay(d: ChartData): UPlot.Plugin {
  return {
    hooks: {
      drawClear: [(u) => shadeFaults(u, d)],
      draw: [(u) => drawMarkers(u, d)],
    },
  };
}

function shadeFaults(u: UPlot, d: ChartData): void {
  const { ctx, bbox: b } = u;
  ctx.save();
  ctx.beginPath();
  ctx.rect(b.left, b.top, b.width, b.height);
  ctx.clip();
  ctx.fillStyle = 'rgba(207, 34, 46, 0.13)';
  for (const fault of d.faults) {
    const x0 = u.valToPos(fault.from, 'x', true);
    const x1 = u.valToPos(fault.to, 'x', true);
    ctx.fillRect(x0, b.top, Math.max(x1 - x0, 2), b.height);
  }
  ctx.restore();
}

function drawMarkers(u: UPlot, d: ChartData): void {
  const { ctx, bbox: b } = u;
  const px = window.devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = '#cf222e';
  ctx.fillStyle = '#cf222e';
  ctx.lineWidth = 2 * px;
  ctx.setLineDash([5 * px, 4 * px]);
  ctx.font = `${11 * px}px system-ui, sans-serif`;
  // uPlot leaves its axes' settings behind.
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  for (const marker of d.markers) {
    const x = u.valToPos(marker.at, 'x', true);
    ctx.beginPath();
    ctx.moveTo(x, b.top);
    ctx.lineTo(x, b.top + b.height);
    ctx.stroke();
  }
  // Labels after every line, on a light box, staggered: trips and aborts come close together.
  d.markers.forEach((marker, i) => {
    const x = u.valToPos(marker.at, 'x', true);
    const w = ctx.measureText(marker.label).width;
    const lx = Math.max(b.left, Math.min(x + 4 * px, b.left + b.width - w - 2 * px));
    const ly = b.top + (13 + 14 * (i % 3)) * px;
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.fillRect(lx - 2 * px, ly - 11 * px, w + 4 * px, 14 * px);
    ctx.fillStyle = '#cf222e';
    ctx.fillText(marker.label, lx, ly);
  });
  ctx.restore();
}

interface PlotSpec {
  readonly kind: DrawnChart['kind'];
  readonly series: UPlot.Series[];
  readonly columns: (readonly (number | null)[])[];
  readonly yRange: UPlot.Range.Function;
  readonly unit: string;
}

function plot(box: HTMLElement, d: ChartData, spec: PlotSpec): void {
  const width = () => Math.max(260, box.clientWidth || 600);
  const opts: UPlot.Options = {
    width: width(),
    height: HEIGHT,
    plugins: [overlay(d)],
    scales: {
      x: { time: false, range: () => [0, Math.max(d.end, d.x[d.x.length - 1] ?? 0, 0.001)] },
      y: { range: spec.yRange },
    },
    axes: [
      { label: 'seconds since the run started', values: (_u, ticks) => ticks.map((t) => `${t}s`) },
      { label: spec.unit, size: 56 },
    ],
    series: [{ label: 'time', value: (_u, v) => (v == null ? '--' : `${v.toFixed(2)}s`) }, ...spec.series],
  };
  const data = [d.x, ...spec.columns] as unknown as UPlot.AlignedData;
  const u = new uPlot(opts, data, box);
  charts.push({ id: box.id, kind: spec.kind, plot: u, resize: (w) => u.setSize({ width: w ?? width(), height: HEIGHT }) });
}

function line(label: string, stroke: string, format: (v: number) => string, dash?: number[]): UPlot.Series {
  return {
    label,
    stroke,
    width: dash ? 1 : 2,
    spanGaps: true,
    ...(dash ? { dash } : {}),
    value: (_u, v) => (v == null ? '--' : format(v)),
  };
}

function draw(el: Element): void {
  const d = JSON.parse(el.textContent ?? '') as ChartData;
  const id = el.getAttribute('data-for') ?? '';
  const availability = document.getElementById(`${id}-availability`);
  const latency = document.getElementById(`${id}-latency`);
  if (!d.x.length || !availability || !latency) return;
  const rate: UPlot.Series[] = [];
  const lat: UPlot.Series[] = [];
  const rateData: (readonly (number | null)[])[] = [];
  const latData: (readonly (number | null)[])[] = [];
  const ms = (v: number) => `${Math.round(v)} ms`;
  d.probes.forEach((name, i) => {
    const color = COLORS[i % COLORS.length] ?? '#0969da';
    rate.push(line(`${name} success %`, color, (v) => `${v.toFixed(2)}%`));
    lat.push(line(`${name} p99`, color, ms), line(`${name} p50`, color, ms, [6, 4]));
    rateData.push(d.successRate[i] ?? []);
    latData.push(d.p99[i] ?? [], d.p50[i] ?? []);
  });
  plot(availability, d, {
    kind: 'availability',
    series: rate,
    columns: rateData,
    yRange: (_u, min) => [Math.max(0, Math.min(min ?? 100, 99) - 1), 100.5],
    unit: 'success %',
  });
  plot(latency, d, {
    kind: 'latency',
    series: lat,
    columns: latData,
    yRange: (_u, _min, max) => [0, Math.max(max ?? 1, 1) * 1.1],
    unit: 'ms',
  });
}

document.querySelectorAll('script.fd-chart-data').forEach((el) => {
  try {
    draw(el);
  } catch (error) {
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = `The chart could not be drawn: ${String(error)}`;
    el.parentNode?.insertBefore(note, el);
  }
});

let timer: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(timer);
  timer = window.setTimeout(() => charts.forEach((c) => c.resize()), 150);
});
// Paper is narrower than most screens: about 680 CSS px fit an A4 or Letter page.
window.addEventListener('beforeprint', () => {
  charts.forEach((c) => c.resize(Math.min(680, (c.plot.root.parentNode as HTMLElement | null)?.clientWidth || 680)));
});
window.addEventListener('afterprint', () => charts.forEach((c) => c.resize()));
