import type { ToxicSpec } from './api.js';
import type { Link } from './link.js';
import type { Stage } from './stage.js';
import type { ToxicDefinition } from './toxics/toxic.js';

/** A toxic of a proxy: its validated spec and `seq`, the order in which it was added. */
export interface ActiveToxic {
  readonly spec: ToxicSpec;
  readonly seq: number;
  readonly definition: ToxicDefinition;
}

/**
 * Puts a toxic's stages on a connection's links. Chains follow the order toxics were added,
 * except that an HTTP toxic's responses side mirrors its requests side: the toxic added first is
 * outermost (nearest the client) both ways, so an answer made up by an outer toxic is ordered
 * against the responses coming through the inner ones. Responses sides therefore come first in
 * the downstream chain (negative keys), latest-added first.
 */
export function attachToxic(toxic: ActiveToxic, links: { upstream: Link; downstream: Link }): Stage[] {
  const { spec, seq, definition } = toxic;
  if (definition.kind === 'http') {
    const requests = links.upstream.stage(seq);
    const responses = links.downstream.stage(-seq - 1);
    const pair = definition.create(spec.attributes, requests.ctx, responses.ctx);
    requests.toxic = pair.requests;
    responses.toxic = pair.responses;
    links.upstream.insert(requests);
    // A replacement is outer to the toxic it replaces: before it upstream, after it downstream.
    links.downstream.insert(responses, true);
    return [requests, responses];
  }
  const targets = spec.stream === 'both' ? [links.upstream, links.downstream] : [links[spec.stream]];
  return targets.map((link) => {
    const stage = link.stage(seq);
    stage.toxic = definition.create(spec.attributes, stage.ctx);
    link.insert(stage);
    return stage;
  });
}

/** Same type and every stage knows how to take new attributes. */
export function canUpdateInPlace(current: { toxic: ActiveToxic; stages: Stage[] }, next: ActiveToxic): boolean {
  return (
    current.toxic.definition === next.definition &&
    current.toxic.spec.stream === next.spec.stream &&
    current.stages.every((stage) => stage.toxic.update !== undefined)
  );
}
