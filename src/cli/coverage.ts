import { writeFileSync } from 'node:fs';
import pc from 'picocolors';
import type { CoverageReport, CoverageStatus, TechniqueCoverage } from '../coverage/coverage.js';
import { STATUS_LOOK } from '../coverage/navigator.js';
import type { NavigatorLayer } from '../coverage/navigator.js';
import { UserError, errorMessage } from '../errors.js';
import { ControlPlaneClient } from '../server-client/client.js';
import { formatDuration } from '../util/duration.js';
import { EXIT } from './exit-codes.js';
import { readToken } from './token.js';

export interface CoverageOptions {
  readonly server: string;
  readonly tokenFile?: string;
  readonly json?: boolean;
  readonly navigator?: string;
}

type Colors = ReturnType<typeof pc.createColors>;
const PAINT: Readonly<Record<CoverageStatus, (c: Colors, text: string) => string>> = {
  detected: (c, t) => c.green(t),
  late: (c, t) => c.yellow(t),
  missed: (c, t) => c.red(t),
  'not-measured': (c, t) => c.cyan(t),
  'never-tested': (c, t) => c.dim(t),
};

/** `firedrill coverage --server URL`: the ATT&CK coverage as a table, JSON, and (--navigator) a Navigator layer. */
export async function coverageCommand(options: CoverageOptions): Promise<number> {
  const api = new ControlPlaneClient(options.server.replace(/\/+$/, ''), readToken(options.tokenFile));
  const { coverage } = await api.request<{ coverage: CoverageReport }>('GET', '/api/v1/coverage');
  if (options.navigator !== undefined) {
    const layer = await api.request<NavigatorLayer>('GET', '/api/v1/coverage?format=navigator');
    try {
      writeFileSync(options.navigator, `${JSON.stringify(layer, null, 2)}\n`);
    } catch (error) {
      throw new UserError('FD_CANNOT_WRITE', `cannot write the Navigator layer to ${options.navigator}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ coverage })}\n`);
    return EXIT.passed;
  }
  const c = pc.createColors(Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env));
  process.stdout.write(`${coverageTable(coverage.techniques, c)}\n`);
  const tested = coverage.techniques.filter((t) => t.status !== 'never-tested').length;
  const detected = coverage.techniques.filter((t) => t.status === 'detected').length;
  process.stdout.write(
    `\n${coverage.techniques.length} techniques (${coverage.attack}): ${tested} drilled, ${detected} detected on time at their latest drill\n`,
  );
  if (options.navigator !== undefined) process.stdout.write(`Navigator layer written to ${options.navigator}\n`);
  return EXIT.passed;
}

/** The terminal table: technique, name, tactics, status, drills, median time to detect. */
export function coverageTable(rows: readonly TechniqueCoverage[], c: Colors): string {
  const header = ['TECHNIQUE', 'NAME', 'TACTICS', 'STATUS', 'DRILLS', 'MEDIAN TTD'];
  const cells = rows.map((t) => [
    t.techniqueId,
    t.name,
    t.tactics.join(', ') || '—',
    STATUS_LOOK[t.status].label,
    String(t.drills),
    t.medianTtdMs === null ? '—' : formatDuration(t.medianTtdMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[], status?: CoverageStatus) =>
    row
      .map((cell, i) => {
        const padded = i === 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
        return i === 3 && status ? PAINT[status](c, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return [c.bold(line(header)), ...cells.map((row, i) => line(row, rows[i]?.status))].join('\n');
}
