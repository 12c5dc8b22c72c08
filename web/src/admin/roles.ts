import type { Role } from '../api.js';

/** The roles, in the order of the policy (ROLES of src/store/users.ts), each with what it is for. */
export const ROLES: readonly { role: Role; what: string }[] = [
  { role: 'admin', what: 'users, tokens, agents, the audit log, everything' },
  { role: 'facilitator', what: 'starts, cancels and halts drills; sees every scenario' },
  { role: 'villain', what: 'writes scenarios, secret ones too' },
  { role: 'responder', what: 'reads experiments and runs' },
  { role: 'lead', what: 'on-call lead: asks "is this a drill?", declares incidents' },
  { role: 'viewer', what: 'reads, changes nothing' },
  { role: 'alert-source', what: 'a monitoring tool: posts alerts to /api/v1/alerts/SOURCE, reads nothing' },
  { role: 'phishing-admin', what: 'runs phishing drills; the only role that sees a person’s own results' },
];
