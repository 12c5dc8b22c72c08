/**
 * The schedule engine of drills: pure functions of a schedule, a key and instants (ms since the
 * epoch). No clock, no I/O: the scheduler asks, this answers.
 */
export { nextLaunches } from './launches.js';
export type { Launch, LaunchQuery } from './launches.js';
export { blackoutAt } from './blackout.js';
export { checkSchedule } from './check.js';
export { blackoutSchema, scheduleSchema, scheduleDurationSchema, DEFAULT_STARTING_DEADLINE_MS } from './schema.js';
export type { AllowedWindow, Blackout, CronSchedule, MtbfSchedule, OnceSchedule, Period, ScheduleSpec, WindowSchedule } from './schema.js';
export { instantToLocal, localToInstant } from './zone.js';
export type { LocalTime } from './zone.js';
export { parseScheduleDuration } from './duration.js';
