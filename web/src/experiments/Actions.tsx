import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.js';
import type { ExperimentInfo, RunInfo } from '../api.js';
import { navigate } from '../router.js';
import { Problem } from '../ui/parts.js';

/**
 * Dry run (the targets resolved, nothing injected) and Run, of the saved version; both land on
 * the run's live page. While the editor holds unsaved changes they wait, said by `unsavedNote`.
 */
export function RunButtons({ experiment, unsavedNote }: { experiment: ExperimentInfo; unsavedNote: string | undefined }) {
  const start = useMutation({
    mutationFn: (dryRun: boolean) => api<{ run: RunInfo }>('POST', '/runs', { experimentId: experiment.id, dryRun }),
    onSuccess: ({ run }) => navigate(`/runs/${encodeURIComponent(run.id)}`),
  });
  const blocked = unsavedNote !== undefined || start.isPending;
  return (
    <>
      <button type="button" disabled={blocked} aria-describedby={unsavedNote} onClick={() => start.mutate(true)}>
        Dry run
      </button>
      <button type="button" disabled={blocked} aria-describedby={unsavedNote} onClick={() => start.mutate(false)}>
        Run
      </button>
      <Problem error={start.error} />
    </>
  );
}

/** Delete, asked once more in place: the experiment is hidden from everyone; its runs stay. */
export function DeleteExperiment({ experiment }: { experiment: ExperimentInfo }) {
  const [asking, setAsking] = useState(false);
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => api('DELETE', `/experiments/${encodeURIComponent(experiment.id)}`),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['experiment', experiment.id] });
      void queryClient.invalidateQueries({ queryKey: ['experiments'] });
      navigate('/experiments');
    },
  });
  if (!asking) {
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        Delete
      </button>
    );
  }
  return (
    <span role="group" aria-label="Confirm the deletion" className="confirm">
      Delete “{experiment.title}”? Its runs stay.
      <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
        Delete it
      </button>
      <button type="button" autoFocus onClick={() => setAsking(false)}>
        Keep it
      </button>
      <Problem error={remove.error} />
    </span>
  );
}
