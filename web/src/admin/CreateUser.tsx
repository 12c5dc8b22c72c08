import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { Role, UserInfo } from '../api.js';
import { Problem } from '../ui/parts.js';
import { field } from './field.js';
import { ROLES } from './roles.js';

interface Created {
  readonly name: string;
  /** The password given at creation, for the admin to hand over; kept in this component only, never fetched again. */
  readonly password: string | undefined;
}

/**
 * A new user: a name, roles, and a password (typed, or generated here in the browser). Without
 * one, the user cannot log in to the dashboard and uses API tokens only.
 */
export function CreateUser() {
  const client = useQueryClient();
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<Created>();
  const create = useMutation({
    mutationFn: (body: { name: string; roles: Role[]; password?: string }) => api<{ user: UserInfo }>('POST', '/users', body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const name = field(data, 'name');
    const roles = ROLES.map((r) => r.role).filter((r) => data.getAll('roles').includes(r));
    setCreated(undefined);
    create.mutate(
      { name, roles, ...(password && { password }) },
      {
        onSuccess: ({ user }) => {
          setCreated({ name: user.name, password: password || undefined });
          setPassword('');
          form.reset();
        },
      },
    );
  };
  return (
    <form className="card create" onSubmit={submit} aria-labelledby="create-user-title">
      <h2 id="create-user-title">New user</h2>
      <div className="fields">
        <label>
          Name <input name="name" required maxLength={100} pattern="[A-Za-z0-9][A-Za-z0-9._@\-]*" autoComplete="off" />
        </label>
        <fieldset className="roles">
          <legend>Roles</legend>
          {ROLES.map(({ role, what }) => (
            <label key={role} title={what}>
              <input type="checkbox" name="roles" value={role} defaultChecked={role === 'responder'} />
              {role}
            </label>
          ))}
        </fieldset>
        <label>
          Password
          <input
            name="password"
            type="text"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            minLength={12}
            maxLength={1000}
            autoComplete="new-password"
            aria-describedby="password-hint"
          />
        </label>
        <button type="button" onClick={() => setPassword(newPassword())}>
          Generate a password
        </button>
      </div>
      <p id="password-hint" className="muted">
        At least 12 characters. Leave it empty for a user of API tokens only (no dashboard login).
      </p>
      <p>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create user
        </button>
      </p>
      <Problem error={create.error} />
      {created && (
        <div role="status" className="once">
          <p>
            <strong>{created.name}</strong> created.
          </p>
          {created.password && (
            <p>
              Their password: <code>{created.password}</code>. Hand it over now: it is not shown again (the server keeps only a hash).
            </p>
          )}
        </div>
      )}
    </form>
  );
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** Bytes from here up would favour the first letters: they are drawn again. */
const FAIR = 256 - (256 % ALPHABET.length);

/** 20 letters and digits without look-alikes (0/O, 1/l/I): about 116 bits. */
function newPassword(): string {
  let out = '';
  while (out.length < 20) {
    for (const byte of crypto.getRandomValues(new Uint8Array(32)))
      if (byte < FAIR && out.length < 20) out += ALPHABET[byte % ALPHABET.length];
  }
  return out;
}
