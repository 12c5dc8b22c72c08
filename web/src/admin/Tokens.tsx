import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { TokenInfo, UserInfo } from '../api.js';
import { useMe } from '../session.js';
import { Loading, Problem, Time } from '../ui/parts.js';
import { ConfirmButton } from './ConfirmButton.js';
import { field } from './field.js';
import { retryUnlessRefused } from './Refusal.js';

/** API tokens of every user (an admin's view): issue one, shown once; revoke one, asked twice. */
export function Tokens({ users }: { users: readonly UserInfo[] }) {
  const client = useQueryClient();
  const tokens = useQuery({
    queryKey: ['tokens'],
    queryFn: ({ signal }) => api<{ tokens: TokenInfo[] }>('GET', '/tokens', undefined, signal),
    retry: retryUnlessRefused,
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/tokens/${encodeURIComponent(id)}`),
    onSettled: () => client.invalidateQueries({ queryKey: ['tokens'] }),
  });
  const names = new Map(users.map((u) => [u.id, u.name]));
  // Newest first: the one just issued is at the top.
  const list = [...(tokens.data?.tokens ?? [])].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">API tokens</h1>
      <IssueToken users={users} />
      <Problem error={tokens.error ?? revoke.error} />
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : list.length === 0 ? (
        <p className="muted">No token yet.</p>
      ) : (
        <table className="tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">User</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {list.map((token) => (
              <tr key={token.id}>
                <th scope="row">{token.name}</th>
                <td>{names.get(token.userId) ?? token.userId}</td>
                <td>
                  <Time at={token.createdAt} />
                </td>
                <td>{token.lastUsedAt === null ? <span className="muted">never</span> : <Time at={token.lastUsedAt} />}</td>
                <td>{token.expiresAt === null ? <span className="muted">never</span> : <Time at={token.expiresAt} />}</td>
                <td>
                  <TokenState token={token} />
                  {token.revokedAt === null && !expired(token) && (
                    <ConfirmButton
                      action="Revoke"
                      subject={`token ${token.name}`}
                      question={`Revoke token ${token.name} of ${names.get(token.userId) ?? token.userId}? It stops working at once.`}
                      onConfirm={() => revoke.mutate(token.id)}
                      busy={revoke.isPending && revoke.variables === token.id}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function expired(token: TokenInfo): boolean {
  return token.expiresAt !== null && token.expiresAt <= Date.now();
}

function TokenState({ token }: { token: TokenInfo }) {
  if (token.revokedAt !== null)
    return (
      <span className="badge bad">
        revoked <Time at={token.revokedAt} />
      </span>
    );
  if (expired(token)) return <span className="badge warn">expired</span>;
  return <span className="badge good">active</span>;
}

/** Issues a token for a user; the token is in this component's state only, until Done. */
function IssueToken({ users }: { users: readonly UserInfo[] }) {
  const me = useMe();
  const client = useQueryClient();
  const [issued, setIssued] = useState<{ token: string; info: TokenInfo }>();
  const issue = useMutation({
    mutationFn: (body: { name: string; userId: string; expiresInDays?: number }) =>
      api<{ token: string; info: TokenInfo }>('POST', '/tokens', body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['tokens'] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const days = Number.parseInt(field(data, 'days'), 10);
    const body = {
      name: field(data, 'name'),
      userId: field(data, 'userId') || me.id,
      ...(Number.isInteger(days) && { expiresInDays: days }),
    };
    setIssued(undefined);
    issue.mutate(body, {
      onSuccess: (answer) => {
        setIssued(answer);
        form.reset();
      },
    });
  };
  return (
    <form className="card create" onSubmit={submit} aria-labelledby="issue-token-title">
      <h2 id="issue-token-title">Issue a token</h2>
      <div className="fields">
        <label>
          Token name <input name="name" required maxLength={100} placeholder="ci-pipeline" autoComplete="off" />
        </label>
        <label>
          For
          <select name="userId" defaultValue={me.id}>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires after <input name="days" type="number" min={1} max={3650} step={1} size={5} aria-describedby="days-hint" /> days
        </label>
        <button type="submit" className="primary" disabled={issue.isPending}>
          Issue token
        </button>
      </div>
      <p id="days-hint" className="muted">
        Leave the days empty for a token that never expires.
      </p>
      <Problem error={issue.error} />
      {issued && <IssuedToken issued={issued} onDone={() => setIssued(undefined)} />}
    </form>
  );
}

/** The token, once: selected on focus, a copy button, and the warning that it is not shown again. */
function IssuedToken({ issued, onDone }: { issued: { token: string; info: TokenInfo }; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'no'>();
  const copy = () => {
    navigator.clipboard.writeText(issued.token).then(
      () => setCopied('yes'),
      () => setCopied('no'),
    );
  };
  return (
    <div role="status" className="once">
      <p>
        <strong>Copy token {issued.info.name} now: it will not be shown again.</strong> The server keeps only its hash. Send it as{' '}
        <code>authorization: Bearer …</code>.
      </p>
      <p className="secret">
        <label>
          New token
          <input readOnly value={issued.token} size={Math.min(issued.token.length, 70)} onFocus={(event) => event.target.select()} />
        </label>
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
        {copied === 'yes' && <span className="muted">copied</span>}
        {copied === 'no' && <span className="muted">this browser refused: select the token and copy it</span>}
      </p>
    </div>
  );
}
