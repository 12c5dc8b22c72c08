import { useState } from 'react';
import type { KeyboardEvent } from 'react';
import './admin.css';

/**
 * A destructive action asked twice: the button, then in its place the question with the action
 * (focused) and Cancel; Escape cancels. `subject` names what it acts on, for a screen reader
 * among many rows ("Revoke token ci").
 */
export function ConfirmButton({
  action,
  subject,
  question,
  onConfirm,
  busy = false,
}: {
  action: string;
  subject: string;
  question: string;
  onConfirm: () => void;
  busy?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" aria-label={`${action} ${subject}`} onClick={() => setAsking(true)} disabled={busy}>
        {action}
      </button>
    );
  const escape = (event: KeyboardEvent) => {
    if (event.key === 'Escape') setAsking(false);
  };
  const confirm = () => {
    setAsking(false);
    onConfirm();
  };
  return (
    <span role="group" aria-label={question} className="confirm" onKeyDown={escape}>
      <span>{question}</span>
      <button type="button" className="danger" autoFocus onClick={confirm}>
        {action}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
