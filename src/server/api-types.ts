// The API's types, for the dashboard (web/) and any TypeScript client: the only file of src/ the
// web code may import, and only its types (eslint holds it). Each names what a route answers.

import type { Declaration } from '../experiment/expectation-schema.js';
import type { Progress } from '../gamedays/progress.js';
import type { GameDaySpec } from '../gamedays/spec.js';
import type { GameDayState } from '../store/gamedays.js';
import type { gameDayView, Involvement } from './gameday-visibility.js';
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
export type { StoredAlert } from '../store/alerts.js';
export type { Declaration } from '../experiment/expectation-schema.js';
export type { GameDaySpec, GameDayStep, StepTrigger } from '../gamedays/spec.js';
export type { Progress as GameDayProgress, StepProgress } from '../gamedays/progress.js';
export type { GameDayState } from '../store/gamedays.js';
export type { Involvement } from './gameday-visibility.js';
export type { CoverageReport, CoverageStatus, TechniqueCoverage } from '../coverage/coverage.js';
export type { DetectionOutcome, ObservationSource } from '../coverage/observation.js';

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

/** A responder team's declaration in a game day's console; a team member reads only their own teams'. */
export interface GameDayDeclaration {
  readonly team: string | null;
  readonly declare: Declaration;
  readonly by: string;
  readonly at: number;
  readonly detail: string | null;
  readonly cause: { readonly service?: string; readonly fault?: string } | null;
}

/** A team's reconstruction of an intrusion (POST …/findings): its own until the reveal, scored in the review. */
export interface GameDayFinding {
  readonly team: string | null;
  readonly by: string;
  readonly at: number;
  readonly detail: string | null;
  readonly techniques?: readonly string[];
  readonly entryPoint?: string;
  readonly hosts?: readonly string[];
}

/** What everyone involved in a game day sees of it (GET /api/v1/gamedays/:id): the console, never the scenario. */
export interface GameDayConsole {
  readonly id: string;
  readonly publicTitle: string;
  readonly state: GameDayState;
  readonly launchedAt: number | null;
  readonly endedAt: number | null;
  readonly revealed: boolean;
  readonly teams: string[];
  readonly declarations: GameDayDeclaration[];
  readonly findings: GameDayFinding[];
  /** Who confirmed the console reaches them, and when: everyone to the white cell, `you` to a member. */
  readonly comcheck: Readonly<Record<string, number | null>>;
  /** How the caller takes part: reads the scenario, responds in teams, or observes. */
  readonly you: Involvement;
}

/** The whole of it: to its scenario's readers, and to everyone involved once revealed. */
export interface GameDayScenario extends GameDayConsole {
  readonly name: string;
  readonly title: string;
  readonly spec: GameDaySpec;
  /** Null until it is launched. */
  readonly progress: Progress | null;
  readonly commands: { readonly command: string; readonly step: string | null; readonly by: string; readonly at: number }[];
}

/** GET /api/v1/gamedays/:id (and each of GET /api/v1/gamedays): tell them apart with `'spec' in view`. */
export type GameDayView = GameDayConsole | GameDayScenario;

// Held to what gameday-visibility.ts answers: a field added there and not here (or the reverse) does not compile.
type FieldsOf<T> = T extends unknown ? keyof T : never;
type Same<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : false;
type Holds<T extends true> = T;
type _GameDayViewFields = Holds<Same<FieldsOf<ReturnType<typeof gameDayView>>, FieldsOf<GameDayView>>>;
