import { useCallback, useEffect, useState } from 'react';
import { useSession } from '../app/session';
import { ApiError } from './client';

export type Resource<T> =
  | { status: 'loading' }
  | { status: 'ok'; data: T }
  /** The route does not exist in this Keel: the feature is not built or not wired. */
  | { status: 'missing'; error: ApiError }
  | { status: 'forbidden'; error: ApiError }
  | { status: 'error'; error: ApiError };

const LOADING: Resource<never> = { status: 'loading' };

export function toApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, e instanceof Error ? e.message : String(e));
}

/**
 * GET an admin API path and keep the result; `path` null waits (a dependency is not ready).
 * A new path shows "loading" rather than the previous path's figures; `reload` refetches the
 * same path and keeps showing the current data until the answer arrives (after an action).
 */
export function useResource<T>(path: string | null): [Resource<T>, () => void] {
  const { api, gate } = useSession();
  const [state, setState] = useState<{ path: string | null; res: Resource<T> }>({ path: null, res: LOADING });
  const [tick, setTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the reload trigger
  useEffect(() => {
    if (path === null) return;
    const g = gate('GET', path);
    if (g !== 'ok') {
      const error =
        g === 'missing'
          ? new ApiError(
              404,
              `Unknown route: GET /api${path.split('?')[0]} (not offered to your role)`,
              'route_not_found',
            )
          : new ApiError(403, `Your admin role may not read ${path.split('?')[0]}.`, 'forbidden_role');
      setState({
        path,
        res: g === 'missing' ? { status: 'missing', error } : { status: 'forbidden', error },
      });
      return;
    }
    let live = true;
    api.get<T>(path).then(
      (data) => {
        if (live) setState({ path, res: { status: 'ok', data } });
      },
      (e: unknown) => {
        if (!live) return;
        const error = toApiError(e);
        const res: Resource<T> = error.routeMissing
          ? { status: 'missing', error }
          : error.status === 403
            ? { status: 'forbidden', error }
            : { status: 'error', error };
        setState({ path, res });
      },
    );
    return () => {
      live = false;
    };
  }, [api, gate, path, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return [state.path === path ? state.res : LOADING, reload];
}

export function dataOf<T>(r: Resource<T>): T | undefined {
  return r.status === 'ok' ? r.data : undefined;
}

/**
 * Several GETs at once (one per dataset …), as one resource: ok when all answered, else the first
 * problem. `paths` must be memoised by the caller (a new array refetches).
 */
export function useResources<T>(paths: readonly string[] | null): Resource<T[]> {
  const { api, gate } = useSession();
  const key = paths === null ? null : paths.join('\n');
  const [state, setState] = useState<{ key: string | null; res: Resource<T[]> }>({ key: null, res: LOADING });
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for paths
  useEffect(() => {
    if (paths === null || key === null) return;
    let live = true;
    const blocked = paths.find((p) => gate('GET', p) !== 'ok');
    if (blocked) {
      const error = new ApiError(
        404,
        `Unknown route: GET /api${blocked.split('?')[0]} (not offered to your role)`,
        'route_not_found',
      );
      setState({ key, res: { status: 'missing', error } });
      return;
    }
    Promise.all(paths.map((p) => api.get<T>(p))).then(
      (data) => live && setState({ key, res: { status: 'ok', data } }),
      (e: unknown) => {
        if (!live) return;
        const error = toApiError(e);
        setState({
          key,
          res: error.routeMissing ? { status: 'missing', error } : { status: 'error', error },
        });
      },
    );
    return () => {
      live = false;
    };
  }, [api, gate, key]);
  return state.key === key ? state.res : LOADING;
}
