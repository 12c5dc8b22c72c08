import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Verdict } from '../engine/journal.js';

/** What the demo needs of its shop to point the drills at it. */
export interface DrillTargets {
  readonly gatewayUrl: string;
  readonly singleDcGatewayUrl: string;
  readonly auditUrl: string;
  readonly postgres: {
    readonly primary: { readonly host: string; readonly port: number };
    readonly user: string;
    readonly database: string;
  } | null;
}

export interface Drill {
  /** As shown in the summary: "6. Datacenter A burns". */
  readonly name: string;
  readonly file: string;
  readonly vars: Readonly<Record<string, string>>;
  /** What the drill is built to show: a weakness drill must deviate, a guarded one abort. */
  readonly expected: Verdict;
  readonly needsDatabase: boolean;
  /** Whose steady traffic measures it: the redundant shop's, or the single-datacenter gateway's. */
  readonly traffic: 'shop' | 'single-dc';
}

/**
 * The demo's drills, in the order they run: the destructive datacenter loss last, because it
 * takes the primary database with it. Each is an experiment file a user can read and copy.
 */
export function planDrills(examples: string, shop: DrillTargets, scratch: string): Drill[] {
  const gateway = { gateway: shop.gatewayUrl };
  const pg = shop.postgres && {
    pgHost: shop.postgres.primary.host,
    pgPort: String(shop.postgres.primary.port),
    pgUser: shop.postgres.user,
    pgDatabase: shop.postgres.database,
  };
  const dump = join(scratch, 'backup.dump');
  const drills: Drill[] = [
    { name: '1. A replica dies', file: '1-a-replica-dies.yaml', vars: gateway, expected: 'passed', needsDatabase: false, traffic: 'shop' },
    {
      name: '2. The database link crawls',
      file: '2-database-link-crawls.yaml',
      vars: { ...gateway, guardOrder: randomUUID() },
      expected: 'aborted',
      needsDatabase: true,
      traffic: 'shop',
    },
    {
      name: '3. Backups are real',
      file: '3-backups-are-real.yaml',
      vars: { ...pg, keepDump: dump },
      expected: 'passed',
      needsDatabase: true,
      traffic: 'shop',
    },
    {
      name: '4. A corrupted backup is caught',
      file: '4-a-corrupted-backup.yaml',
      vars: { ...pg, dump: `${dump}.corrupted` },
      expected: 'deviated',
      needsDatabase: true,
      traffic: 'shop',
    },
    {
      name: '5. No redundancy',
      file: '5-no-redundancy.yaml',
      vars: { gateway: shop.singleDcGatewayUrl },
      expected: 'deviated',
      needsDatabase: false,
      traffic: 'single-dc',
    },
    {
      name: '6. Datacenter A burns',
      file: '6-datacenter-a-burns.yaml',
      vars: { ...gateway, audit: shop.auditUrl, probeOrder: randomUUID() },
      expected: 'passed',
      needsDatabase: true,
      traffic: 'shop',
    },
  ];
  return drills.map((drill) => ({ ...drill, file: join(examples, drill.file) }));
}
