import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { field } from '../admin/field.js';
import { api } from '../api.js';
import { Problem } from '../ui/parts.js';

interface Registration {
  readonly name: string;
  readonly url: string;
  readonly labels: Record<string, string>;
  readonly tokenFile?: string;
  readonly tokenEnv?: string;
  readonly ca?: string;
}

/**
 * Registers an agent with this server (admin). The agent's token never passes through here: the
 * form names where the server's host keeps it (a file or an environment variable).
 */
export function RegisterAgent() {
  const client = useQueryClient();
  const [invalid, setInvalid] = useState<Error>();
  const register = useMutation({
    mutationFn: (body: Registration) => api('POST', '/agents', body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['agents'] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const text = (key: string) => field(data, key);
    setInvalid(undefined);
    let labels: Record<string, string>;
    try {
      labels = parseLabels(text('labels'));
    } catch (error) {
      setInvalid(error as Error);
      return;
    }
    const token = text('tokenSource') === 'env' ? { tokenEnv: text('token') } : { tokenFile: text('token') };
    const ca = text('ca');
    register.mutate({ name: text('name'), url: text('url'), labels, ...token, ...(ca && { ca }) }, { onSuccess: () => form.reset() });
  };
  return (
    <form className="card register" onSubmit={submit} aria-labelledby="register-title">
      <h2 id="register-title">Register an agent</h2>
      <div className="fields">
        <label>
          Name <input name="name" required maxLength={63} pattern="[a-z0-9][a-z0-9._\-]*" placeholder="db-1" autoComplete="off" />
        </label>
        <label>
          URL <input name="url" type="url" required maxLength={2000} placeholder="https://db-1.internal:7777" size={30} />
        </label>
        <label>
          Labels <input name="labels" placeholder="zone=eu-1, tier=db" aria-describedby="labels-hint" size={24} />
        </label>
      </div>
      <div className="fields">
        <label>
          Token kept in
          <select name="tokenSource" defaultValue="file">
            <option value="file">a file</option>
            <option value="env">an environment variable</option>
          </select>
        </label>
        <label>
          Token path or variable <input name="token" required maxLength={4096} placeholder="/etc/firedrill/db-1.token" size={30} />
        </label>
        <label>
          CA file <input name="ca" maxLength={4096} placeholder="optional" size={20} />
        </label>
        <button type="submit" className="primary" disabled={register.isPending}>
          Register
        </button>
      </div>
      <p id="labels-hint" className="muted">
        Labels as key=value, separated by commas. The token file or variable is read on this server&apos;s host, never sent from here.
      </p>
      <Problem error={invalid ?? register.error} />
    </form>
  );
}

/** `zone=eu-1, tier=db` → `{ zone: 'eu-1', tier: 'db' }`. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (!pair.trim()) continue;
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim();
    if (at < 1 || !key) throw new Error(`label "${pair.trim()}": write it as key=value`);
    labels[key] = pair.slice(at + 1).trim();
  }
  return labels;
}
