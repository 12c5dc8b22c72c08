import type { AnyProbeType } from '../engine/probe.js';
import { availabilityProbe } from './availability.js';
import { commandProbe } from './command.js';
import { httpProbe } from './http.js';
import { postgresRestoreProbe } from './postgres-restore.js';
import { tcpProbe } from './tcp.js';

/** Every probe type by name; the loader validates `type:` against these keys. */
export const probeTypes: ReadonlyMap<string, AnyProbeType> = new Map<string, AnyProbeType>(
  [httpProbe, tcpProbe, commandProbe, availabilityProbe, postgresRestoreProbe].map((probe) => [probe.name, probe]),
);
