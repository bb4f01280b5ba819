import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, describeError, signInWithPassword, signInWithToken } from '../api.js';
import { Field, useDocumentTitle } from '../components.js';
import type { Session } from '../types.js';

type Tab = 'token' | 'password';

export function SignIn({ onSignedIn, notice }: { onSignedIn: (session: Session) => void; notice?: string }) {
  useDocumentTitle('Sign in');
  const [tab, setTab] = useState<Tab>('token');
  const [token, setToken] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const tabs = useRef<Record<Tab, HTMLButtonElement | null>>({ token: null, password: null });

  const choose = (next: Tab) => {
    setTab(next);
    setError('');
    tabs.current[next]?.focus();
  };
  const onTabKey = (event: KeyboardEvent) => {
    if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) {
      event.preventDefault();
      choose(event.key === 'Home' ? 'token' : event.key === 'End' ? 'password' : tab === 'token' ? 'password' : 'token');
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    if (tab === 'token' && !token.trim()) return setError('Enter an API token.');
    if (tab === 'password' && (!email.trim() || !password)) return setError('Enter your e-mail address and password.');
    setBusy(true);
    try {
      const session = tab === 'token' ? await signInWithToken(token) : await signInWithPassword(email.trim(), password);
      onSignedIn(session);
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && e.status === 401 && /session cookie/.test(e.problem.detail)) {
        setError(e.problem.detail);
      } else if (e instanceof ApiError && e.status === 401) {
        setError(tab === 'token' ? 'This token is not valid, has expired or was revoked.' : 'The e-mail address or password is not correct.');
      } else if (e instanceof ApiError && e.status === 400 && tab === 'password') {
        setError('Enter your e-mail address and password.');
      } else {
        setError(describeError(e));
      }
    }
  };

  return (
    <div className="signin-page">
      <main className="signin-card" id="main">
        <div className="signin-brand">
          <svg width="28" height="28" viewBox="0 0 16 16" aria-hidden="true">
            <rect width="16" height="16" rx="3" fill="currentColor" />
            <path d="M4 5h8M8 5v7" stroke="#fff" strokeWidth="2" />
          </svg>
          <div>
            <h1>Sign in to Thirdwatch</h1>
            <p className="muted">Third-party and supply-chain risk</p>
          </div>
        </div>
        {notice && (
          <p className="banner banner-info" role="status">
            {notice}
          </p>
        )}
        <div role="tablist" aria-label="Sign-in method" className="tabs" onKeyDown={onTabKey}>
          {(['token', 'password'] as const).map((t) => (
            <button
              key={t}
              ref={(el) => {
                tabs.current[t] = el;
              }}
              type="button"
              role="tab"
              id={`tab-${t}`}
              aria-selected={tab === t}
              aria-controls={`panel-${t}`}
              tabIndex={tab === t ? 0 : -1}
              className="tab"
              onClick={() => choose(t)}
            >
              {t === 'token' ? 'API token' : 'E-mail and password'}
            </button>
          ))}
        </div>
        <form role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} onSubmit={submit} noValidate>
          {tab === 'token' ? (
            <Field label="API token" hint="Printed by “thirdwatch serve” on first start, or created with “thirdwatch token create”. Kept only in this browser tab.">
              {(p) => <input {...p} name="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} autoFocus />}
            </Field>
          ) : (
            <>
              <Field label="E-mail address">
                {(p) => <input {...p} name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />}
              </Field>
              <Field label="Password">
                {(p) => <input {...p} name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
              </Field>
            </>
          )}
          <div aria-live="assertive" className="summary-slot">
            {error && (
              <p className="banner banner-error" role="alert">
                {error}
              </p>
            )}
          </div>
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </main>
    </div>
  );
}
