import type { ExpectationMatcher } from '../engine/expectation.js';
import type { PrometheusMatcher } from '../experiment/expectation-schema.js';
import { poll } from './poll.js';

const QUERY_TIMEOUT_MS = 5000;

interface QueryAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] | [number, string] };
}

/**
 * A PromQL expression evaluated against a Prometheus server every `every` until it returns a
 * sample (a vector with a series, or a scalar that is not 0): `ALERTS{alertname="X", alertstate="firing"}`.
 */
export const prometheusMatcher: ExpectationMatcher<PrometheusMatcher> = {
  kind: 'prometheus',
  async watch(params, { signal }) {
    const url = new URL('api/v1/query', params.url.endsWith('/') ? params.url : `${params.url}/`);
    url.searchParams.set('query', params.query);
    return poll(params.every, signal, async () => {
      const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(QUERY_TIMEOUT_MS)]) });
      const answer = (await response.json().catch(() => ({}))) as QueryAnswer;
      if (!response.ok || answer.status !== 'success')
        throw new Error(`Prometheus at ${params.url}: ${answer.error ?? `HTTP ${response.status}`}`);
      const found = truth(answer.data);
      return found === undefined ? undefined : { at: Date.now(), detail: `${params.query} returned ${found}` };
    });
  },
};

/** What of the answer makes the query true, in words, or undefined. */
function truth(data: QueryAnswer['data']): string | undefined {
  const result = data?.result;
  if (data?.resultType === 'scalar' && Array.isArray(result) && result.length === 2) {
    const value = Number(result[1]);
    return value !== 0 && !Number.isNaN(value) ? String(value) : undefined;
  }
  if (!Array.isArray(result) || result.length === 0) return undefined;
  const [first] = result as { metric?: Record<string, string>; value?: [number, string] }[];
  const labels = Object.entries(first?.metric ?? {})
    .map(([key, value]) => `${key}="${value}"`)
    .join(', ');
  return `${result.length} series, e.g. {${labels}} ${first?.value?.[1] ?? ''}`.trimEnd();
}
