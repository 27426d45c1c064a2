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
  const { api } = useSession();
  const [state, setState] = useState<{ path: string | null; res: Resource<T> }>({ path: null, res: LOADING });
  const [tick, setTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the reload trigger
  useEffect(() => {
    if (path === null) return;
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
  }, [api, path, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return [state.path === path ? state.res : LOADING, reload];
}

export function dataOf<T>(r: Resource<T>): T | undefined {
  return r.status === 'ok' ? r.data : undefined;
}
