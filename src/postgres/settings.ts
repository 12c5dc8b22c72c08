/** A postgresql.conf setting: strings are quoted, numbers and booleans written as they are. */
export type SettingValue = string | number | boolean;
export type Settings = Readonly<Record<string, SettingValue>>;

/**
 * What every cluster Firedrill makes starts with: small and quick to start on a 2-core machine
 * (little shared memory, no autovacuum or JIT noise), ready to stream to a replica, and with
 * fast failure detection on the replication link. Durability stays on: a demo that proves
 * "no acknowledged order lost" must not get there by skipping fsync.
 */
export const BASE_SETTINGS: Settings = {
  shared_buffers: '16MB',
  max_connections: 50,
  autovacuum: false,
  jit: false,
  wal_level: 'replica',
  max_wal_senders: 4,
  max_replication_slots: 4,
  wal_keep_size: '64MB',
  max_wal_size: '256MB',
  min_wal_size: '32MB',
  hot_standby: true,
  // A blackholed replication link is noticed in seconds instead of a minute.
  wal_sender_timeout: '5s',
  wal_receiver_timeout: '5s',
  wal_receiver_status_interval: '1s',
  logging_collector: false,
  log_min_messages: 'warning',
};

/** For throwaway copies (a restore being verified): nothing of it needs to survive a crash. */
export const SCRATCH_SETTINGS: Settings = {
  fsync: false,
  synchronous_commit: false,
  full_page_writes: false,
};

/** Lines appended to postgresql.conf; later lines win, so appending overrides. */
export function renderSettings(settings: Settings): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} = ${renderValue(value)}`)
    .join('\n');
}

function renderValue(value: SettingValue): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Trust, but only from this machine: the unix socket (in the cluster's private directory) and
 * 127.0.0.1, for ordinary and replication connections. Nothing else may connect.
 */
export const HBA_LOOPBACK_TRUST = [
  '# Written by Firedrill: trust from this machine only.',
  'local   all          all                 trust',
  'local   replication  all                 trust',
  'host    all          all   127.0.0.1/32  trust',
  'host    replication  all   127.0.0.1/32  trust',
  '',
].join('\n');
