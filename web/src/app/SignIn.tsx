import type { Whoami } from '@keel/api';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ssoInfo, whoami } from '../api/client';
import { isRole } from './session';

/**
 * Sign-in with an admin credential: the bootstrap KEEL_ADMIN_TOKEN or a named admin user's token
 * (`keel admins create`). The token is checked against GET /api/whoami before it is kept.
 */
export function SignIn({
  onSignedIn,
  message,
}: {
  onSignedIn: (token: string, me: Whoami) => void;
  message: string | null;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState<string | null>(null);
  const id = useId();
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in — Keel Command Room';
    input.current?.focus();
    let live = true;
    void ssoInfo().then((i) => live && setSso(i.sso ? (i.login_url ?? '/auth/login') : null));
    return () => {
      live = false;
    };
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Enter an admin token.');
      return;
    }
    setBusy(true);
    setError(null);
    const r = await whoami(t);
    setBusy(false);
    if (!r.ok) {
      setError(r.message);
      input.current?.focus();
      return;
    }
    const me = r.body as Whoami;
    if (!isRole(me?.role)) {
      setError('Keel answered, but not with an admin identity.');
      return;
    }
    onSignedIn(t, me);
  };

  return (
    <main className="signin" id="main">
      <div className="signin-card card">
        <p className="brand-big">
          <span aria-hidden="true">⚓</span> Keel
        </p>
        <h1>Command Room</h1>
        <p className="muted">
          Sign in with an admin token: <code className="code">KEEL_ADMIN_TOKEN</code>, or a token from{' '}
          <code className="code">keel admins create --name you --role viewer</code>.
        </p>
        {message ? (
          <p className="notice notice-warn" role="status">
            {message}
          </p>
        ) : null}
        {sso ? (
          <p>
            <a className="btn btn-primary" href={sso}>
              Sign in with single sign-on
            </a>
          </p>
        ) : null}
        <form onSubmit={submit} noValidate>
          <label htmlFor={id}>Admin token</label>
          <input
            ref={input}
            id={id}
            name="token"
            type="password"
            autoComplete="current-password"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            required
          />
          {error ? (
            <p className="field-error" id={`${id}-error`} role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p className="muted small">The token is kept in this browser tab only and sent only to this Keel.</p>
      </div>
    </main>
  );
}
