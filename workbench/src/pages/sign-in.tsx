import { type FormEvent, useId, useState } from 'react';

interface Props {
  /** Why the last session ended, if it did not end by the user's own sign-out. */
  reason: string | null;
  /** Resolves to an error to show, or null once signed in. */
  onSignIn(token: string): Promise<string | null>;
}

export function SignIn({ reason, onSignIn }: Props) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hintId = useId();
  const errorId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Paste an API token (v2/…) first.');
      return;
    }
    setBusy(true);
    const failed = await onSignIn(t);
    setBusy(false);
    if (failed) setError(failed);
  }

  return (
    <main className="sign-in">
      <h1>Workbench</h1>
      <p>Submit container requests and follow them as they run.</p>
      {reason && (
        <p className="notice" role="alert">
          {reason}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby={error ? `${hintId} ${errorId}` : hintId}
          aria-invalid={error ? true : undefined}
        />
        <p id={hintId} className="hint">
          Kept in this tab only (sessionStorage) until you sign out or close it.
        </p>
        {error && (
          <p id={errorId} className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
