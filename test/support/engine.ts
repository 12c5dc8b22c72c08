import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/agent-daemon/ledger.js';
import { LocalExecutor } from '../../src/agent-daemon/local-executor.js';
import type { RunEvent, RunObserver } from '../../src/engine/events.js';
import type { ExpectationFeeds } from '../../src/engine/expectation.js';
import type { Journal } from '../../src/engine/journal.js';
import { expectationMatchers } from '../../src/expectations/index.js';
import { runExperiment } from '../../src/engine/run.js';
import type { RunOptions } from '../../src/engine/run.js';
import { loadExperimentText } from '../../src/experiment/load.js';
import { faultTypes } from '../../src/faults/index.js';
import { probeTypes } from '../../src/probes/index.js';
import { LocalDiscovery } from '../../src/targets/discovery.js';

export const catalog = { faults: faultTypes, probes: probeTypes };

/** Collects every event of a run, for assertions on order and content. */
export class EventLog implements RunObserver {
  readonly name = 'test-log';
  readonly events: RunEvent[] = [];

  onEvent(event: RunEvent): void {
    this.events.push(event);
  }

  ofType<T extends RunEvent['type']>(type: T): Extract<RunEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
  }
}

export interface EngineRun {
  readonly journal: Journal;
  readonly log: EventLog;
  readonly ledger: Ledger;
}

/**
 * Runs an experiment given as YAML through the real engine, the real local executor and a
 * ledger in a temp dir. The ledger stays open for assertions; `dispose` removes everything.
 */
export class EngineHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'firedrill-engine-'));
  private readonly ledgers: Ledger[] = [];

  async run(
    yaml: string,
    options: Partial<RunOptions> & { vars?: Record<string, string>; observers?: RunObserver[]; feeds?: ExpectationFeeds } = {},
  ): Promise<EngineRun> {
    const loaded = loadExperimentText('test.yaml', yaml, { catalog, env: {}, ...(options.vars ? { vars: options.vars } : {}) });
    const ledger = new Ledger(join(this.dir, `ledger-${this.ledgers.length}.db`));
    this.ledgers.push(ledger);
    const executor = new LocalExecutor({ ledger, faults: faultTypes, workDir: this.dir });
    const log = new EventLog();
    const journal = await runExperiment(
      loaded.experiment,
      {
        executor,
        probes: probeTypes,
        discovery: new LocalDiscovery(undefined),
        observers: [log, ...(options.observers ?? [])],
        onObserverError: () => {},
        expectations: { matchers: expectationMatchers, feeds: options.feeds ?? {} },
      },
      { runId: 'test', file: 'test.yaml', seed: 1, secrets: loaded.secrets, variables: loaded.variables, ...options },
    );
    return { journal, log, ledger };
  }

  dispose(): void {
    for (const ledger of this.ledgers) ledger.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
