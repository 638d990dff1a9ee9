import { useCallback, useEffect, useState } from 'react';
import { ApiError, api } from './api';

export interface Loaded<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

/**
 * GETs `path` (again when it changes, and every `refreshMs` if given). A refresh keeps the last data while it loads;
 * another path never shows the previous path's data (a list searched for something else is not that search's answer).
 */
export function useApi<T>(path: string | null, refreshMs?: number): Loaded<T> {
  const [state, setState] = useState<{ path: string | null; data?: T; error?: ApiError; loading: boolean }>({
    path,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (path === null) return;
    let cancelled = false;
    setState((s) => ({ path, data: s.path === path ? s.data : undefined, loading: true }));
    api<T>('GET', path).then(
      (data) => !cancelled && setState({ path, data, loading: false }),
      (error: ApiError) =>
        !cancelled && setState((s) => ({ path, data: s.path === path ? s.data : undefined, error, loading: false })),
    );
    return () => {
      cancelled = true;
    };
  }, [path, tick]);

  useEffect(() => {
    if (!refreshMs || path === null) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, path, reload]);

  if (state.path !== path) return { loading: path !== null, reload };
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** The current hash route, e.g. `#/deliveries/dlv_1` → ['deliveries', 'dlv_1'], and its query. */
export function useRoute(): { parts: string[]; query: URLSearchParams } {
  const read = () => {
    const [path = '', query = ''] = window.location.hash.replace(/^#\/?/, '').split('?');
    return { parts: path.split('/').filter(Boolean), query: new URLSearchParams(query) };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}

/** Goes to `section` with `query` changed by `changes` (an empty value drops its parameter): filters combine. */
export function navigateWith(section: string, query: URLSearchParams, changes: Record<string, string>): void {
  const next = new URLSearchParams(query);
  for (const [name, value] of Object.entries(changes)) {
    if (value) next.set(name, value);
    else next.delete(name);
  }
  const search = next.toString();
  navigate(`#/${section}${search ? `?${search}` : ''}`);
}

/** What a button or form does: which action is running, and why the last one failed (shown to the person). */
export function useAction(): {
  busy: string | undefined;
  error: ApiError | undefined;
  run: (name: string, action: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const run = useCallback(async (name: string, action: () => Promise<void>) => {
    setBusy(name);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(undefined);
    }
  }, []);
  return { busy, error, run };
}
