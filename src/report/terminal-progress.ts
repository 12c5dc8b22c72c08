import pc from 'picocolors';
import type { RunEvent, RunObserver } from '../engine/events.js';
import { describeTarget } from '../engine/target.js';
import { formatDuration } from '../util/duration.js';
import { eventLines, readingText } from './terminal-lines.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Progress of a run in a terminal: finished activities scroll as plain lines; below them a live
 * footer shows the current activity, the active faults and the availability readings. Without
 * a TTY (CI logs, pipes) only the plain lines are printed, plus an availability line every 5 s.
 */
export class ProgressObserver implements RunObserver {
  readonly name = 'terminal';
  private readonly colors;
  private readonly current = new Map<string, { label: string; since: number }>();
  private readonly faults = new Map<string, string>();
  private readonly readings = new Map<string, string>();
  private footerLines = 0;
  private frame = 0;
  private lastPlainReading = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly live = Boolean(out.isTTY) && process.env.TERM !== 'dumb',
  ) {
    this.colors = pc.createColors(Boolean(out.isTTY) && !('NO_COLOR' in process.env));
    if (this.live) {
      this.timer = setInterval(() => this.redraw(), 100);
      this.timer.unref();
    }
  }

  onEvent(event: RunEvent): void {
    this.track(event);
    const lines = eventLines(event, this.colors);
    if (event.type === 'monitor-reading' && !this.live && Date.now() - this.lastPlainReading >= 5000) {
      this.lastPlainReading = Date.now();
      lines.push(`    ${this.colors.dim('availability')} ${readingText(event.name, event.reading)}`);
    }
    if (!this.live) {
      for (const line of lines) this.out.write(`${line}\n`);
      return;
    }
    this.clearFooter();
    for (const line of lines) this.out.write(`${line}\n`);
    if (event.type === 'run-ended') this.close();
    else this.drawFooter();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.clearFooter();
  }

  private track(event: RunEvent): void {
    const now = Date.now();
    switch (event.type) {
      case 'activity-started':
        this.current.set(event.name, { label: `${event.name}${event.detail ? ` ${this.colors.dim(event.detail)}` : ''}`, since: now });
        break;
      case 'activity-ended':
        this.current.delete(event.entry.activity.name);
        break;
      case 'fault-injected':
        this.faults.set(event.faultId, `${event.faultType} on ${describeTarget(event.target)}`);
        break;
      case 'fault-reverted':
        this.faults.delete(event.faultId);
        break;
      case 'monitor-reading':
        this.readings.set(event.name, readingText(event.name, event.reading));
        break;
      case 'phase-started':
        // Availability readings describe the method; they would only mislead afterwards.
        this.readings.clear();
        break;
      default:
    }
  }

  private redraw(): void {
    this.clearFooter();
    this.drawFooter();
  }

  private drawFooter(): void {
    const c = this.colors;
    const spin = SPINNER[this.frame++ % SPINNER.length] ?? '';
    const lines = [
      ...[...this.current.values()].map((a) => `  ${c.cyan(spin)} ${a.label} ${c.dim(formatDuration(Date.now() - a.since))}`),
      ...[...this.faults.values()].map((f) => `    ${c.red('⚡ active')} ${f}`),
      ...[...this.readings.values()].map((r) => `    ${c.dim('availability')} ${r}`),
    ];
    for (const line of lines) this.out.write(`${line}\n`);
    this.footerLines = lines.length;
  }

  private clearFooter(): void {
    if (this.footerLines === 0) return;
    this.out.write(`\x1b[${this.footerLines}A\x1b[0J`);
    this.footerLines = 0;
  }
}
