/**
 * The report's only script: draws each run's charts with uPlot from its JSON block
 * (`script.fd-chart-data`, data-for = the id of the chart box). Fault windows are shaded under
 * the series, guardrail trips and aborts are dashed lines; charts follow the page width and
 * shrink for printing. Labels reach the page only through textContent or the canvas.
 * `window.firedrillCharts` lists the plots, for the browser test and for anyone curious.
 */
export const REPORT_CLIENT_JS = `
(function () {
  'use strict';
  var COLORS = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#9a6700', '#0a7ea4'];
  var charts = [];
  window.firedrillCharts = charts;

  function overlay(d) {
    return { hooks: {
      drawClear: [function (u) {
        var ctx = u.ctx, b = u.bbox;
        ctx.save();
        ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
        ctx.fillStyle = 'rgba(207, 34, 46, 0.13)';
        d.faults.forEach(function (f) {
          var x0 = u.valToPos(f.from, 'x', true), x1 = u.valToPos(f.to, 'x', true);
          ctx.fillRect(x0, b.top, Math.max(x1 - x0, 2), b.height);
        });
        ctx.restore();
      }],
      draw: [function (u) {
        var ctx = u.ctx, b = u.bbox, px = window.devicePixelRatio || 1;
        ctx.save();
        ctx.strokeStyle = '#cf222e'; ctx.fillStyle = '#cf222e'; ctx.lineWidth = 2 * px;
        ctx.setLineDash([5 * px, 4 * px]); ctx.font = (11 * px) + 'px system-ui, sans-serif';
        ctx.textAlign = 'left'; ctx.textBaseline = 'alphabetic'; // uPlot leaves its axes' settings behind
        d.markers.forEach(function (m) {
          var x = u.valToPos(m.at, 'x', true);
          ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
        });
        // Labels after every line, on a light box, staggered: trips and aborts come close together.
        d.markers.forEach(function (m, i) {
          var x = u.valToPos(m.at, 'x', true), w = ctx.measureText(m.label).width;
          var lx = Math.max(b.left, Math.min(x + 4 * px, b.left + b.width - w - 2 * px)), ly = b.top + (13 + 14 * (i % 3)) * px;
          ctx.fillStyle = 'rgba(255, 255, 255, 0.85)'; ctx.fillRect(lx - 2 * px, ly - 11 * px, w + 4 * px, 14 * px);
          ctx.fillStyle = '#cf222e'; ctx.fillText(m.label, lx, ly);
        });
        ctx.restore();
      }],
    } };
  }

  function plot(box, kind, d, series, columns, yRange, unit) {
    var width = function () { return Math.max(260, box.clientWidth || 600); };
    var opts = {
      width: width(), height: 220, plugins: [overlay(d)],
      scales: { x: { time: false, range: function () { return [0, Math.max(d.end, d.x[d.x.length - 1] || 0, 0.001)]; } }, y: { range: yRange } },
      axes: [
        { label: 'seconds since the run started', values: function (u, ticks) { return ticks.map(function (t) { return t + 's'; }); } },
        { label: unit, size: 56 },
      ],
      series: [{ label: 'time', value: function (u, v) { return v == null ? '--' : v.toFixed(2) + 's'; } }].concat(series),
    };
    var u = new uPlot(opts, [d.x].concat(columns), box);
    charts.push({ id: box.id, kind: kind, plot: u, resize: function (w) { u.setSize({ width: w || width(), height: 220 }); } });
  }

  function draw(el) {
    var d = JSON.parse(el.textContent);
    var id = el.getAttribute('data-for');
    var avail = document.getElementById(id + '-availability'), latency = document.getElementById(id + '-latency');
    if (!d.x.length || !avail || !latency) return;
    var rate = [], lat = [], rateData = [], latData = [];
    d.probes.forEach(function (name, i) {
      var color = COLORS[i % COLORS.length];
      rate.push({ label: name + ' success %', stroke: color, width: 2, spanGaps: true,
        value: function (u, v) { return v == null ? '--' : v.toFixed(2) + '%'; } });
      lat.push({ label: name + ' p99', stroke: color, width: 2, spanGaps: true,
        value: function (u, v) { return v == null ? '--' : Math.round(v) + ' ms'; } });
      lat.push({ label: name + ' p50', stroke: color, width: 1, dash: [6, 4], spanGaps: true,
        value: function (u, v) { return v == null ? '--' : Math.round(v) + ' ms'; } });
      rateData.push(d.successRate[i]);
      latData.push(d.p99[i], d.p50[i]);
    });
    plot(avail, 'availability', d, rate, rateData, function (u, min) { return [Math.max(0, Math.min(min == null ? 100 : min, 99) - 1), 100.5]; }, 'success %');
    plot(latency, 'latency', d, lat, latData, function (u, min, max) { return [0, Math.max(max == null ? 1 : max, 1) * 1.1]; }, 'ms');
  }

  document.querySelectorAll('script.fd-chart-data').forEach(function (el) {
    try { draw(el); } catch (error) {
      var note = document.createElement('p'); note.className = 'muted';
      note.textContent = 'The chart could not be drawn: ' + error;
      el.parentNode.insertBefore(note, el);
    }
  });
  var timer;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });
  // Paper is narrower than most screens: about 680 CSS px fit an A4 or Letter page.
  window.addEventListener('beforeprint', function () { charts.forEach(function (c) { c.resize(Math.min(680, c.plot.root.parentNode.clientWidth || 680)); }); });
  window.addEventListener('afterprint', function () { charts.forEach(function (c) { c.resize(); }); });
})();
`;
