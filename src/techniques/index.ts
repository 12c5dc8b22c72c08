import type { AnyFaultType } from '../engine/fault.js';
import { backdoorListener } from './backdoor-listener.js';
import { bruteForce } from './brute-force.js';
import { canaryCredentials } from './canary-credentials.js';
import { cronPersistence } from './cron-persistence.js';
import { httpExfiltration } from './http-exfiltration.js';
import { localAccount } from './local-account.js';
import { serviceScan } from './service-scan.js';
import { sshAuthorizedKey } from './ssh-authorized-key.js';
import { systemdService } from './systemd-service.js';
import { webShell } from './web-shell.js';

/** Every security technique: fault kinds of their own, registered beside the faults. */
export const techniques: readonly AnyFaultType[] = [
  cronPersistence,
  webShell,
  canaryCredentials,
  backdoorListener,
  sshAuthorizedKey,
  localAccount,
  serviceScan,
  httpExfiltration,
  bruteForce,
  systemdService,
];
