import type { AlertList, McpApprovalList, Whoami } from '@keel/api';
import { lazy, type ReactNode, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { type Api, createApi, hasSsoSession, ssoSignOut, whoami } from '../api/client';
import { useResource } from '../api/hooks';
import { type Capabilities, createGate } from '../api/routes';
import { Empty, Loading } from '../components/bits';
import { markNavigated } from '../components/Page';
import { ErrorBoundary } from './ErrorBoundary';
import { PeriodProvider } from './period';
import { APPROVALS_CHANGED, Link, matchRoute, type Route, usePath } from './router';
import { SignIn } from './SignIn';
import { isRole, roleAllows, type Session, SessionContext } from './session';
import { useTheme } from './theme';

const Overview = lazy(() => import('../views/Overview').then((m) => ({ default: m.Overview })));
const UseCaseView = lazy(() => import('../views/UseCase').then((m) => ({ default: m.UseCaseView })));
const Spend = lazy(() => import('../views/Spend').then((m) => ({ default: m.Spend })));
const Security = lazy(() => import('../views/Security').then((m) => ({ default: m.Security })));
const DataHealth = lazy(() => import('../views/DataHealth').then((m) => ({ default: m.DataHealth })));
const Keys = lazy(() => import('../views/Keys').then((m) => ({ default: m.Keys })));
const Alerts = lazy(() => import('../views/Alerts').then((m) => ({ default: m.Alerts })));
const Tools = lazy(() => import('../views/Tools').then((m) => ({ default: m.Tools })));

const TOKEN_KEY = 'keel.admin-token';

function readToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function writeToken(t: string | null): void {
  try {
    if (t) window.sessionStorage.setItem(TOKEN_KEY, t);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the session lasts until reload
  }
}

export function App() {
  // token null: signed in through single sign-on, the session cookie authenticates.
  const [auth, setAuth] = useState<{ token: string | null; me: Whoami } | null>(null);
  const [checking, setChecking] = useState(() => readToken() !== null || hasSsoSession());
  const [message, setMessage] = useState<string | null>(null);

  // A token kept from earlier in this tab, or an SSO session, is checked again: it may have ended meanwhile.
  useEffect(() => {
    const t = readToken();
    if (!t && !hasSsoSession()) return;
    void whoami(t).then((r) => {
      setChecking(false);
      const me = r.ok ? (r.body as Whoami) : null;
      if (me && isRole(me.role)) setAuth({ token: t, me });
      else {
        writeToken(null);
        if (!r.ok) setMessage(r.message);
      }
    });
  }, []);

  const signOut = useCallback((msg?: string) => {
    const sso = readToken() === null && hasSsoSession();
    writeToken(null);
    // An SSO session ends on the server first, so the sign-in page never shows while it still works.
    void (sso ? ssoSignOut() : Promise.resolve()).then(() => {
      setAuth(null);
      setMessage(msg ?? null);
    });
  }, []);

  const api = useMemo<Api | null>(
    () => (auth ? createApi(auth.token, (m) => signOut(`Signed out: ${m}`)) : null),
    [auth, signOut],
  );
  // The role table, once per sign-in: which admin routes exist and which this role may call.
  const [caps, setCaps] = useState<{ api: Api; caps: Capabilities | null } | null>(null);
  useEffect(() => {
    if (!api) return;
    let live = true;
    api.get<Capabilities>('/capabilities').then(
      (c) => live && setCaps({ api, caps: c }),
      () => live && setCaps({ api, caps: null }),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const session = useMemo<Session | null>(() => {
    if (!auth || !api || caps?.api !== api) return null;
    return {
      api,
      me: auth.me,
      can: (role) => roleAllows(auth.me.role, role),
      gate: createGate(caps.caps),
      signOut,
    };
  }, [auth, api, caps, signOut]);

  if (checking || (auth && !session)) return <Loading what="your session" />;
  if (!session)
    return (
      <SignIn
        message={message}
        onSignedIn={(token, me) => {
          writeToken(token);
          setMessage(null);
          setAuth({ token, me });
        }}
      />
    );
  return (
    <SessionContext.Provider value={session}>
      <PeriodProvider>
        <Shell session={session} />
      </PeriodProvider>
    </SessionContext.Provider>
  );
}

const NAV: Array<{ to: string; label: string; view: Route['view'] }> = [
  { to: '/', label: 'Overview', view: 'overview' },
  { to: '/spend', label: 'Spend', view: 'spend' },
  { to: '/security', label: 'Security', view: 'security' },
  { to: '/data', label: 'Data health', view: 'data' },
  { to: '/keys', label: 'Keys & access', view: 'keys' },
  { to: '/tools', label: 'Tools', view: 'tools' },
  { to: '/alerts', label: 'Alerts', view: 'alerts' },
];

function Shell({ session }: { session: Session }) {
  const path = usePath();
  const route = matchRoute(path);
  const [theme, toggleTheme] = useTheme();
  const [openAlerts] = useResource<AlertList>('/alerts?state=open&limit=1000');
  const openCount = openAlerts.status === 'ok' ? openAlerts.data.data.length : null;
  const [heldCalls, reloadHeld] = useResource<McpApprovalList>('/mcp/approvals?status=pending&limit=1000');
  const heldCount = heldCalls.status === 'ok' ? heldCalls.data.data.length : null;
  // The Tools view says when it decided or saw a new list, so the count here follows it.
  useEffect(() => {
    window.addEventListener(APPROVALS_CHANGED, reloadHeld);
    return () => window.removeEventListener(APPROVALS_CHANGED, reloadHeld);
  }, [reloadHeld]);

  useEffect(() => {
    if (path) return markNavigated;
  }, [path]);

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span aria-hidden="true">⚓</span> Keel <span className="brand-sub">Command Room</span>
        </Link>
        <div className="topbar-right no-print">
          <span className="who" title={session.me.actor}>
            Signed in as <strong>{session.me.name}</strong>{' '}
            <span className={`role role-${session.me.role}`}>{session.me.role}</span>
          </span>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={toggleTheme}
            aria-pressed={theme === 'dark'}
          >
            Dark theme
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="sidenav no-print" aria-label="Views">
        <ul>
          {NAV.map((n) => {
            const current = route.view === n.view || (n.view === 'overview' && route.view === 'use-case');
            return (
              <li key={n.to}>
                <Link to={n.to} aria-current={current ? 'page' : undefined}>
                  {n.label}
                  {n.view === 'alerts' && openCount ? (
                    <span className="badge">
                      {openCount}
                      <span className="sr-only"> open</span>
                    </span>
                  ) : null}
                  {n.view === 'tools' && heldCount ? (
                    <span className="badge">
                      {heldCount}
                      <span className="sr-only"> waiting for approval</span>
                    </span>
                  ) : null}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        <ErrorBoundary key={path}>
          <Suspense fallback={<Loading what="the view" />}>{viewOf(route)}</Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}

function viewOf(route: Route): ReactNode {
  switch (route.view) {
    case 'overview':
      return <Overview />;
    case 'use-case':
      return <UseCaseView id={route.id} />;
    case 'spend':
      return <Spend />;
    case 'security':
      return <Security />;
    case 'data':
      return <DataHealth />;
    case 'keys':
      return <Keys />;
    case 'alerts':
      return <Alerts />;
    case 'tools':
      return <Tools />;
    case 'not-found':
      return (
        <>
          <h1>Page not found</h1>
          <Empty title="There is no view at this address.">
            <p>
              Go to the <Link to="/">Overview</Link>.
            </p>
          </Empty>
        </>
      );
  }
}
