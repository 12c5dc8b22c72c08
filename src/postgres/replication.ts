import type { PostgresBinaries } from './binaries.js';
import { PostgresCluster } from './cluster.js';
import type { ClusterAddress } from './cluster.js';

/** The name the replica gives itself on the replication link; the primary waits for it. */
export const STANDBY_NAME = 'replica';

export interface PairSpec {
  readonly binaries: PostgresBinaries;
  readonly workspace: string;
  readonly tag: string;
}

/**
 * A running primary whose every commit waits until the standby named STANDBY_NAME has flushed
 * it (`synchronous_standby_names`, `synchronous_commit = on`): an acknowledged commit is on
 * both, so promoting the standby loses nothing (RPO 0). The price is that commits stall while
 * that standby is unreachable — the trade-off the demo shows with one replica.
 */
export async function startPrimary(spec: PairSpec & { readonly port: number }, signal?: AbortSignal): Promise<PostgresCluster> {
  const primary = await PostgresCluster.init(
    { ...spec, name: 'primary', port: spec.port, settings: { synchronous_standby_names: STANDBY_NAME, synchronous_commit: 'on' } },
    signal,
  );
  try {
    await primary.start(signal);
    return primary;
  } catch (error) {
    await primary.destroy();
    throw error;
  }
}

/**
 * A running streaming replica of the primary reached at `source` (the demo passes a fault
 * proxy there, so the replication link can be slowed or cut). Its own configuration clears
 * synchronous_standby_names: once promoted it has no standby, and inheriting the primary's
 * setting would make every commit wait forever.
 */
export async function startReplica(
  spec: PairSpec & { readonly port: number; readonly source: ClusterAddress },
  signal?: AbortSignal,
): Promise<PostgresCluster> {
  const replica = await PostgresCluster.fromBaseBackup(
    { ...spec, name: 'replica', port: spec.port, applicationName: STANDBY_NAME, settings: { synchronous_standby_names: '' } },
    signal,
  );
  try {
    await replica.start(signal);
    return replica;
  } catch (error) {
    await replica.destroy();
    throw error;
  }
}
