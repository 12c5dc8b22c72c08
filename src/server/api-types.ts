// The API's types, for the dashboard (web/) and any TypeScript client: the only file of src/ the
// web code may import, and only its types (eslint holds it). Each names what a route answers.

import type { Permission } from './policy.js';

export type { RunEvent, RunEventBody } from '../engine/events.js';
export type { Journal, JournalEntry, Phase, Verdict, FaultRecord } from '../engine/journal.js';
export type { ProbeOutput, ProbeResult } from '../engine/probe.js';
export type { ResolvedTarget } from '../engine/target.js';
export type { RunInfo, RunState } from '../store/runs.js';
export type { ExperimentInfo, ExperimentVersion } from '../store/experiments.js';
export type { AuditRecord } from '../store/audit.js';
export type { Role, TokenInfo, UserInfo } from '../store/users.js';
export type { AgentView } from '../runs/agents.js';
export type { HaltState } from './run-service.js';
export type { Permission } from './policy.js';

/** GET /api/v1/me */
export interface Me {
  readonly id: string;
  readonly name: string;
  readonly roles: string[];
  /** What the dashboard may offer; the API still decides each request. */
  readonly permissions: Permission[];
}

/** A refused request: `{ error }`, with the located problems of an invalid experiment. */
export type { ServerError as ApiErrorBody } from './errors.js';
