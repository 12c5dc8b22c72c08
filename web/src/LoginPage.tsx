import { useState } from 'react';
import type { FormEvent } from 'react';
import { login } from './api.js';
import type { Me } from './api.js';
import { Problem } from './ui/parts.js';

export function LoginPage({ onIn }: { onIn: (user: Me) => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string): string => {
      const value = form.get(name);
      return typeof value === 'string' ? value : '';
    };
    setBusy(true);
    login(field('name'), field('password')).then(onIn, (e: unknown) => {
      setError(e);
      setBusy(false);
    });
  };
  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Firedrill</h1>
        <label>
          Name <input name="name" autoComplete="username" required />
        </label>
        <label>
          Password <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          Log in
        </button>
        <Problem error={error} />
        <p className="muted">The first admin&apos;s one-time password was printed by `firedrill server` on its first start.</p>
      </form>
    </main>
  );
}
