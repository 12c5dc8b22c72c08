import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.js';
import type { Role, UserInfo } from '../api.js';
import { useMe } from '../session.js';
import { Loading, Problem, Time } from '../ui/parts.js';
import { CreateUser } from './CreateUser.js';
import { Refusal, retryUnlessRefused } from './Refusal.js';
import { ROLES } from './roles.js';
import { Tokens } from './Tokens.js';
import './admin.css';

/** Users and their roles, a new user, and API tokens: an admin's page (the API answers others 403). */
export default function UsersPage() {
  const users = useQuery({
    queryKey: ['users'],
    queryFn: ({ signal }) => api<{ users: UserInfo[] }>('GET', '/users', undefined, signal),
    retry: retryUnlessRefused,
  });
  if (users.error && !users.data) return <Refusal error={users.error} who="Only an admin manages users and API tokens." />;
  if (users.isPending) return <Loading what="users" />;
  const list = users.data?.users ?? [];
  return (
    <>
      <section aria-labelledby="users-title">
        <h1 id="users-title">Users</h1>
        <table className="users">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Roles</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.map((user) => (
              <UserRow key={user.id} user={user} />
            ))}
          </tbody>
        </table>
        <CreateUser />
      </section>
      <Tokens users={list} />
    </>
  );
}

/** A user's roles as checkboxes, saved together. One's own admin role stays: another admin may take it away. */
function UserRow({ user }: { user: UserInfo }) {
  const me = useMe();
  const client = useQueryClient();
  const [roles, setRoles] = useState<ReadonlySet<Role>>(() => new Set(user.roles));
  const save = useMutation({
    mutationFn: (next: Role[]) => api<{ user: UserInfo }>('PUT', `/users/${encodeURIComponent(user.id)}/roles`, { roles: next }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }),
  });
  const changed = roles.size !== user.roles.length || user.roles.some((r) => !roles.has(r));
  const toggle = (role: Role, on: boolean) => {
    const next = new Set(roles);
    if (on) next.add(role);
    else next.delete(role);
    setRoles(next);
  };
  const self = user.id === me.id;
  return (
    <tr>
      <th scope="row">
        {user.name}
        {self && <span className="tag">you</span>}
        {user.disabled && <span className="tag">disabled</span>}
      </th>
      <td>
        <form
          className="roles"
          aria-label={`Roles of ${user.name}`}
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate(ROLES.map((r) => r.role).filter((r) => roles.has(r)));
          }}
        >
          {ROLES.map(({ role, what }) => (
            <label key={role} title={self && role === 'admin' ? 'Your own admin role: another admin may take it away' : what}>
              <input
                type="checkbox"
                checked={roles.has(role)}
                disabled={self && role === 'admin'}
                onChange={(event) => toggle(role, event.target.checked)}
              />
              {role}
            </label>
          ))}
          <button type="submit" disabled={!changed || save.isPending} aria-label={`Save roles of ${user.name}`}>
            Save
          </button>
          {save.isSuccess && !changed && (
            <span role="status" className="muted">
              saved
            </span>
          )}
          {user.roles.length === 0 && !changed && <span className="muted">no role: may log in, sees nothing</span>}
        </form>
        <Problem error={save.error} />
      </td>
      <td>
        <Time at={user.createdAt} />
      </td>
    </tr>
  );
}
