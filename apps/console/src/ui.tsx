import type { ReactNode } from 'react';
import { ApiError } from './api';

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return date.toLocaleString();
}

export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const message =
    error instanceof ApiError ? error.explanation : error instanceof Error ? error.message : 'Something went wrong.';
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div className="problem" role="alert">
      <p>{message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={d.field}>
              <code>{d.field}</code> {d.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Status({ value }: { value: string }) {
  const tone = ['succeeded', 'answered_sync', 'replied', 'completed', 'healthy', 'enabled', 'verified'].includes(value)
    ? 'good'
    : ['failed', 'stale', 'reply_failed', 'disabled', 'failing'].includes(value)
      ? 'bad'
      : 'neutral';
  return <span className={`status ${tone}`}>{value.replace(/_/g, ' ')}</span>;
}

/** A list that keeps its height while loading, so nothing below it jumps. */
export function ListFrame({ loading, empty, children }: { loading: boolean; empty: boolean; children: ReactNode }) {
  if (loading && empty) {
    return (
      <ul className="rows" aria-busy="true">
        {Array.from({ length: 5 }, (_, i) => (
          <li key={i} className="row skeleton" />
        ))}
      </ul>
    );
  }
  if (empty) return <p className="empty">Nothing here yet.</p>;
  return (
    <ul className="rows" aria-busy={loading}>
      {children}
    </ul>
  );
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {hint && <small>{hint}</small>}
    </label>
  );
}
