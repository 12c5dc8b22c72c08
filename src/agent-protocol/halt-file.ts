import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AGENT_FILES } from './api.js';
import type { HaltState } from './api.js';

/**
 * `<stateDir>/halt.json`: while it exists, no fault may be injected from this state directory.
 * A file, not agent memory, so that a halt survives an agent restart and the CLI can halt
 * (write it) when no agent runs; the agent honours it when it starts.
 */
export function haltFile(stateDir: string): string {
  return join(stateDir, AGENT_FILES.halt);
}

const haltSchema = z.object({ reason: z.string(), at: z.string() });

/** The halt in force, or null. A file that exists but cannot be read still halts: fail safe. */
export function readHalt(stateDir: string): HaltState | null {
  const file = haltFile(stateDir);
  if (!existsSync(file)) return null;
  try {
    const parsed = haltSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return { reason: parsed.data.reason, at: parsed.data.at };
    return { reason: `${file} is not a halt record; halted until it is removed (firedrill resume)`, at: new Date().toISOString() };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null; // resumed meanwhile
    return { reason: `${file} is unreadable (${(error as Error).message}); halted until it is removed`, at: new Date().toISOString() };
  }
}

/** Writes the halt atomically (a reader sees the old file or the new one, never half of one). */
export function writeHalt(stateDir: string, state: HaltState): void {
  mkdirSync(stateDir, { recursive: true });
  const file = haltFile(stateDir);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state)}\n`);
  renameSync(temp, file);
}

export function clearHalt(stateDir: string): void {
  rmSync(haltFile(stateDir), { force: true });
}
