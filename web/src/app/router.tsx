import { type AnchorHTMLAttributes, type MouseEvent, type ReactNode, useSyncExternalStore } from 'react';

const EVENT = 'keel:navigate';
/** Dispatched on window when held MCP calls were decided or reloaded (the navigation's count follows). */
export const APPROVALS_CHANGED = 'keel:approvals-changed';

function subscribe(cb: () => void): () => void {
  window.addEventListener('popstate', cb);
  window.addEventListener(EVENT, cb);
  return () => {
    window.removeEventListener('popstate', cb);
    window.removeEventListener(EVENT, cb);
  };
}

/** The current pathname; components re-render on navigation (links, back/forward). */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children: ReactNode };

/** An ordinary link (middle-click, copy link, open in new tab all work) that navigates in place. */
export function Link({ to, children, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (window.location.pathname !== to) navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

export type Route =
  | { view: 'overview' }
  | { view: 'use-case'; id: string }
  | { view: 'spend' }
  | { view: 'security' }
  | { view: 'data' }
  | { view: 'keys' }
  | { view: 'alerts' }
  | { view: 'tools' }
  | { view: 'not-found' };

export function matchRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/' || p === '/overview') return { view: 'overview' };
  if (p.startsWith('/use-cases/')) {
    const id = decodeURIComponent(p.slice('/use-cases/'.length));
    return id ? { view: 'use-case', id } : { view: 'not-found' };
  }
  switch (p) {
    case '/spend':
      return { view: 'spend' };
    case '/security':
      return { view: 'security' };
    case '/data':
      return { view: 'data' };
    case '/keys':
      return { view: 'keys' };
    case '/alerts':
      return { view: 'alerts' };
    case '/tools':
      return { view: 'tools' };
    default:
      return { view: 'not-found' };
  }
}

export function pathOfUseCase(id: string): string {
  return `/use-cases/${encodeURIComponent(id)}`;
}
