import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import type { GameDayView, StoredAlert } from '../api.js';

/** How often a game day is asked again: every 2 s while it runs, waiting for its launch otherwise, never once ended. */
function every(state: GameDayView['state'] | undefined): number | false {
  if (state === 'running') return 2000;
  return state === 'ended' ? false : 10_000;
}

/** One game day as the caller may see it (a console, or the whole of it). */
export function useGameDay(id: string) {
  return useQuery({
    queryKey: ['gameday', id],
    queryFn: async ({ signal }) =>
      (await api<{ gameday: GameDayView }>('GET', `/gamedays/${encodeURIComponent(id)}`, undefined, signal)).gameday,
    refetchInterval: (query) => every(query.state.data?.state),
  });
}

/** What the monitoring said since the launch: the responders' alerts, as in production. */
export function useAlertsSince(since: number | null, running: boolean) {
  return useQuery({
    queryKey: ['alerts', since],
    queryFn: async ({ signal }) => (await api<{ alerts: StoredAlert[] }>('GET', `/alerts?since=${since ?? 0}`, undefined, signal)).alerts,
    enabled: since !== null,
    refetchInterval: running ? 2000 : false,
  });
}

/** What a suspected cause is picked from: the server's services and the fault kinds (the same for every game day). */
/** A security technique a team may name in its reconstruction. */
export interface Technique {
  readonly id: string;
  readonly name: string;
  readonly tactics: readonly string[];
}

export function useCauses(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ['causes', id],
    queryFn: async ({ signal }) =>
      api<{ services: string[]; faults: string[]; techniques: Technique[] }>(
        'GET',
        `/gamedays/${encodeURIComponent(id)}/causes`,
        undefined,
        signal,
      ),
    enabled,
    staleTime: 60_000,
  });
}

/** The view with its scenario, when the caller may read it (a scenario reader, or anyone once revealed). */
export function scenarioOf(view: GameDayView) {
  return 'spec' in view ? view : undefined;
}
