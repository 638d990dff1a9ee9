import { FormEvent, ReactNode, useEffect, useState } from 'react';
import { ApiError, SaleSummary } from './api';

/** An instant as a person reads it, with its time zone (the browser's): "6/11/2026, 5:30:00 PM GMT+3". */
export function at(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { timeZoneName: 'short' });
}

/** How long ago, for recent instants; else the instant itself (with its time zone). */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return at(date);
}

/** `when`, with the exact instant (and its time zone) a hover or a screen reader away. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time className="muted" dateTime={iso} title={at(iso)}>
      {when(iso)}
    </time>
  );
}

/** A `datetime-local` input's value for an instant: the browser's local time, to the minute. */
export function localInput(date: Date): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** The browser's time zone, as `datetime-local` inputs are read in: e.g. "GMT+3". */
export function localZone(): string {
  return (
    new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' })
      .formatToParts(new Date())
      .find((part) => part.type === 'timeZoneName')?.value ?? ''
  );
}

/** An amount with its currency's decimals and its code, e.g. "15.50 USD" (the code alone says which currency). */
export function money(amount: number, currency: string | null): string {
  let digits = 2;
  if (currency) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      // Not an ISO 4217 code: two decimals.
    }
  }
  const number = amount.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return currency ? `${number} ${currency}` : number;
}

/** What identifies a sale in a list: its receipt number, total and how it was paid. */
export function Sale({ sale }: { sale: SaleSummary }) {
  return (
    <span className="sale">
      {sale.receiptNumber && (
        <span>
          Receipt <strong>{sale.receiptNumber}</strong>
        </span>
      )}
      {sale.total !== null && <span>{money(sale.total, sale.currency)}</span>}
      {sale.paymentMethod && <span>{sale.paymentMethod.replace(/_/g, ' ')}</span>}
    </span>
  );
}

/**
 * The search box of a list: what it finds is the list's `q` (in the URL, with the other filters). Enter or Search
 * searches; searching for nothing shows everything again.
 */
export function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(text.trim());
  };
  return (
    <form role="search" className="search" onSubmit={submit}>
      <input
        type="search"
        aria-label="Search"
        placeholder="Receipt or invoice number"
        title="A receipt, sale or invoice number, or an event id: all of it, or its start"
        value={text}
        maxLength={100}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" className="secondary">
        Search
      </button>
    </form>
  );
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
    : ['failed', 'exhausted', 'stale', 'reply_failed', 'disabled', 'failing', 'deleted'].includes(value)
      ? 'bad'
      : 'neutral';
  return <span className={`status ${tone}`}>{value.replace(/_/g, ' ')}</span>;
}

/**
 * What a search found, on a line of its own from the moment there is a search (nothing below moves when the answer
 * arrives); an empty answer is the list's to say. `count`: undefined while the answer is on its way.
 */
export function Found({
  q,
  count,
  more,
  what,
}: {
  q: string;
  count: number | undefined;
  more: boolean;
  what: [one: string, many: string];
}) {
  return (
    <p className="muted" data-testid="found" aria-live="polite">
      {count ? `${count}${more ? '+' : ''} ${count === 1 ? what[0] : what[1]} found for “${q}”` : '\u00a0'}
    </p>
  );
}

/** A list that keeps its height while loading, so nothing below it jumps. `nothing`: what an empty list means. */
export function ListFrame({
  loading,
  empty,
  nothing = 'Nothing here yet.',
  children,
}: {
  loading: boolean;
  empty: boolean;
  nothing?: string;
  children: ReactNode;
}) {
  if (loading && empty) {
    return (
      <ul className="rows" aria-busy="true">
        {Array.from({ length: 5 }, (_, i) => (
          <li key={i} className="row skeleton" />
        ))}
      </ul>
    );
  }
  if (empty) return <p className="empty">{nothing}</p>;
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
