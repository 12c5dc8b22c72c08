import type { ExpectationMatcher, ReceivedDeclaration } from '../engine/expectation.js';
import type { ManualMatcher } from '../experiment/expectation-schema.js';
import { firstMatch } from './first-match.js';

/** A responder declares it in the console ("contained"); the time is when they did. */
export const manualMatcher: ExpectationMatcher<ManualMatcher> = {
  kind: 'manual',
  async watch(params, { since, signal, feeds }) {
    const declarations = feeds.declarations;
    if (!declarations) throw new Error('no responder console behind this run: declarations are made on a control plane (game days)');
    return firstMatch<ReceivedDeclaration>(
      (onDeclaration) => declarations.subscribe(since, onDeclaration),
      (d) =>
        d.declare === params.declare
          ? { at: d.at, detail: `${d.by} declared it ${d.declare}${d.detail ? `: ${d.detail}` : ''}` }
          : undefined,
      signal,
    );
  },
};
