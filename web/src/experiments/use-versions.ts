import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import type { ExperimentVersion } from '../api.js';

/** Every version of an experiment, newest first, for the history. */
export function useVersions(id: string, enabled = true) {
  return useQuery({
    queryKey: ['experiment-versions', id],
    queryFn: ({ signal }) =>
      api<{ versions: ExperimentVersion[] }>('GET', `/experiments/${encodeURIComponent(id)}/versions`, undefined, signal),
    enabled,
    staleTime: 30_000,
  });
}
