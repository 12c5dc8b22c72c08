import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { HaltState } from '../api.js';
import { useCan } from '../session.js';
import { Problem, Time } from '../ui/parts.js';

/**
 * The emergency stop, on every page: a red Halt button (one confirmation, a reason), and the
 * banner every connected user sees while Firedrill is halted — pushed by the server (SSE), with
 * Resume for those allowed.
 */
export function HaltBar() {
  const mayHalt = useCan('halt');
  const halt = useHaltState();
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>();
  const resume = () => {
    setError(undefined);
    api('POST', '/resume', {}).catch(setError);
  };
  return (
    <>
      {halt && (
        <div role="alert" className="halted" data-testid="halt-banner">
          <strong>Firedrill is halted</strong> by {halt.by} since <Time at={halt.at} />: {halt.reason}. No drill starts until resume.
          {mayHalt && (
            <button type="button" onClick={resume}>
              Resume
            </button>
          )}
        </div>
      )}
      {mayHalt && !halt && (
        <button type="button" className="halt" onClick={() => setAsking(true)} aria-haspopup="dialog">
          Halt
        </button>
      )}
      {asking && <HaltDialog onClose={() => setAsking(false)} onError={setError} />}
      <Problem error={error} />
    </>
  );
}

function HaltDialog({ onClose, onError }: { onClose: () => void; onError: (error: unknown) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => dialog.current?.showModal(), []);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reason = new FormData(event.currentTarget).get('reason');
    onClose();
    api('POST', '/halt', { reason }).catch(onError);
  };
  return (
    <dialog ref={dialog} onClose={onClose} aria-labelledby="halt-title" className="halt-dialog">
      <form onSubmit={submit}>
        <h2 id="halt-title">Halt everything?</h2>
        <p>Every running drill is aborted and every active fault on every agent is reverted now. No drill starts until someone resumes.</p>
        <label>
          Reason <input name="reason" required maxLength={1000} autoFocus placeholder="customers see errors" />
        </label>
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="halt">
            Halt everything
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** The halt in force, as the server pushes it; the stream reconnects by itself if cut. */
function useHaltState(): HaltState | null {
  const [halt, setHalt] = useState<HaltState | null>(null);
  useEffect(() => {
    const source = new EventSource('/api/v1/halt/events');
    source.addEventListener('halt', (event) =>
      setHalt((JSON.parse((event as MessageEvent<string>).data) as { halted: HaltState | null }).halted),
    );
    return () => source.close();
  }, []);
  return halt;
}
