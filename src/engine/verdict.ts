import type { Verdict } from './journal.js';

export interface Findings {
  /** The tool could not do its job: an action failed, a revert was not verified, no target. */
  readonly failures: readonly string[];
  readonly abortReason: string | undefined;
  /** The hypothesis failed before the method: nothing was injected. */
  readonly notSteady: string | undefined;
  /** The hypothesis broke during or after the method: a weakness found. */
  readonly deviations: readonly string[];
  readonly dryRun: boolean;
  readonly hasHypothesis: boolean;
  /** Whether the hypothesis was also checked continuously during the method. */
  readonly checkedDuring: boolean;
}

/**
 * One verdict per run, the most serious finding first:
 * failed > aborted > not-steady > deviated > passed. Every finding stays listed.
 */
export function decideVerdict(findings: Findings): { verdict: Verdict; reason: string; all: string[] } {
  const all = [
    ...findings.failures,
    ...(findings.abortReason ? [findings.abortReason] : []),
    ...(findings.notSteady ? [findings.notSteady] : []),
    ...findings.deviations,
  ];
  if (findings.failures.length > 0) return { verdict: 'failed', reason: withMore(findings.failures), all };
  if (findings.abortReason) return { verdict: 'aborted', reason: findings.abortReason, all };
  if (findings.notSteady) return { verdict: 'not-steady', reason: findings.notSteady, all };
  if (findings.deviations.length > 0) return { verdict: 'deviated', reason: withMore(findings.deviations), all };
  if (findings.dryRun) return { verdict: 'passed', reason: 'dry run: the plan is valid; nothing was probed or injected', all };
  return {
    verdict: 'passed',
    reason: findings.hasHypothesis
      ? `the hypothesis held ${findings.checkedDuring ? 'before, during and after' : 'before and after'} the method`
      : 'the method completed and every fault was reverted (no hypothesis to check)',
    all,
  };
}

function withMore(messages: readonly string[]): string {
  const [first = '', ...rest] = messages;
  return rest.length > 0 ? `${first} (and ${rest.length} more)` : first;
}
