// What the proxy bench's summaries and tables share: picking measurements, medians that skip
// what could not be measured, and the columns of RESULTS.md — one per proxy path in a fixed
// order, so that every row has the same columns: a path this run could not measure (no nginx)
// reads "–".
import { machine, median, stamp } from '../support.mjs';
import { explanation } from './explanation.mjs';

/** The measurements of `list` whose fields equal those of `where`. */
export const of = (list, where) => list.filter((r) => Object.entries(where).every(([k, v]) => r[k] === v));

/** The median of what was measured (NaN, for a failed run, is left out). */
export const med = (values) => median(values.filter((v) => Number.isFinite(v)));

export const both = (a, b) => `${a} / ${b}`;
export const signed = (value) => (value >= 0 ? `+${value}` : String(value));

const columnPaths = ['firedrill', 'nginx', 'node-pipe'];
const pathNames = { firedrill: 'Firedrill', nginx: 'nginx', 'node-pipe': 'node pipe' };

/**
 * What every row of the proxy section needs: the section (`common`, in --results FILE when
 * given), the first cells (`start`: date, commit, machine with its kernel), and a column per path.
 */
export function tableKit({ options, tools }, paths) {
  const hasNginx = paths.includes('nginx');
  return {
    options,
    tools,
    hasNginx,
    common: {
      ...(options.results ? { file: options.results } : {}),
      id: 'proxy',
      heading: 'the fault proxy with no fault, next to nginx `stream`; inject latency',
      explanation: explanation(options, Boolean(tools.iperf3), hasNginx),
    },
    start: stamp(`${machine()}, kernel ${tools.versions.kernel.split('-')[0]}`),
    /** `fn(path)` for each proxy path, "–" where it was not measured. */
    cells: (fn) => columnPaths.map((p) => (paths.includes(p) ? fn(p) : '–')),
    /** `fn(name)` for each proxy path's name, for the column headers. */
    names: (fn) => columnPaths.map((p) => fn(pathNames[p])),
  };
}
