import type { AnyExpectationMatcher } from '../engine/expectation.js';
import { alertMatcher } from './alert.js';
import { logMatcher } from './log.js';
import { manualMatcher } from './manual.js';
import { prometheusMatcher } from './prometheus.js';

/** Every expectation matcher by kind (the keys of an expectation: alert, prometheus, log, manual). */
export const expectationMatchers: ReadonlyMap<string, AnyExpectationMatcher> = new Map<string, AnyExpectationMatcher>(
  [alertMatcher, prometheusMatcher, logMatcher, manualMatcher].map((matcher) => [matcher.kind, matcher]),
);
