import { GatewayEvent, Page, Tenant, download } from '../api';
import { navigateWith, useAction, useApi } from '../hooks';
import { Found, ListFrame, Problem, Sale, SearchBox, Time, at, when } from '../ui';

/** The exports of the Events page: what each asks the API for, and the file it is saved as. */
const EXPORTS = {
  events: { label: 'Export CSV', file: 'events.csv', params: {} },
  sales: { label: 'Export sales', file: 'sales.csv', params: { type: 'kaynko.sale.completed', bom: 'true' } },
  items: {
    label: 'Export line items',
    file: 'sale-items.csv',
    params: { type: 'kaynko.sale.completed', rows: 'items', bom: 'true' },
  },
} as const;

/**
 * Events, newest first: found by type and by what a merchant knows (`q`: a receipt, sale or invoice number, or an
 * event id), each sale with its receipt number, total and payment method; exported with the same filters.
 */
export function EventList({ query }: { query: URLSearchParams }) {
  const type = query.get('type') ?? '';
  const q = query.get('q') ?? '';
  const filters = new URLSearchParams();
  if (type) filters.set('type', type);
  if (q) filters.set('q', q);
  const list = useApi<Page<GatewayEvent>>(`/v1/events?limit=50${filters.toString() ? `&${filters}` : ''}`, 10_000);
  const tenant = useApi<Tenant>('/v1/tenant');
  const { busy, error, run } = useAction();
  const events = list.data?.data ?? [];

  /** The generic export honours every filter; the sales exports are of sales by definition (their type), with `q`. */
  const exportCsv = (which: keyof typeof EXPORTS) =>
    run(which, async () => {
      const { file, params } = EXPORTS[which];
      const search = new URLSearchParams({ ...Object.fromEntries(filters), ...params });
      await download(`/v1/events/export.csv${search.toString() ? `?${search}` : ''}`, file);
    });

  return (
    <section>
      <header className="bar">
        <h2>Events</h2>
        <div className="actions">
          {(Object.keys(EXPORTS) as Array<keyof typeof EXPORTS>).map((which) => (
            <button
              key={which}
              type="button"
              className="secondary"
              disabled={busy !== undefined}
              onClick={() => void exportCsv(which)}
            >
              {busy === which ? 'Exporting…' : EXPORTS[which].label}
            </button>
          ))}
        </div>
      </header>
      <div className="filters">
        <SearchBox value={q} onSearch={(value) => navigateWith('events', query, { q: value })} />
        <input
          key={type}
          aria-label="Event type"
          placeholder="Filter by type, e.g. kaynko.sale.completed"
          defaultValue={type}
          onKeyDown={(e) => {
            if (e.key === 'Enter') navigateWith('events', query, { type: e.currentTarget.value.trim() });
          }}
        />
      </div>
      {/* One line whether or not it is loaded yet: nothing below it moves. */}
      <p className="muted" data-testid="retention">
        {tenant.data ? `Events, deliveries and attempts are kept ${tenant.data.retentionDays} days.` : '\u00a0'}
      </p>
      {q && (
        <Found
          q={q}
          count={list.data?.data.length}
          more={Boolean(list.data?.nextCursor)}
          what={type ? [`${type} event`, `${type} events`] : ['event', 'events']}
        />
      )}
      <Problem error={list.error ?? error} />
      <ListFrame
        loading={list.loading}
        empty={events.length === 0}
        nothing={q ? `No event matches “${q}”${type ? ` among ${type}` : ''}.` : undefined}
      >
        {events.map((e) => (
          <li key={e.id} className="row">
            <a href={`#/events/${e.id}`} className="row-link">
              <strong>{e.type}</strong>
              {e.sale ? <Sale sale={e.sale} /> : <span className="muted wrap">{e.id}</span>}
            </a>
            <span className="cells">
              <Time iso={e.receivedAt} />
            </span>
          </li>
        ))}
      </ListFrame>
    </section>
  );
}

export function EventDetail({ id }: { id: string }) {
  const event = useApi<GatewayEvent>(`/v1/events/${id}`);
  const e = event.data;
  return (
    <section className="panel">
      <h2>Event</h2>
      <Problem error={event.error} />
      {e && (
        <>
          <p>
            <strong>{e.type}</strong> · {e.provider} · received {when(e.receivedAt)} ·{' '}
            <a href={`#/deliveries?eventId=${id}`}>deliveries</a>
          </p>
          {e.sale && (
            <p>
              <Sale sale={e.sale} />
            </p>
          )}
          <p className="muted">
            Received {at(e.receivedAt)}
            {e.occurredAt ? ` · happened ${at(e.occurredAt)}` : ''} · <span className="wrap">{e.id}</span>
          </p>
          <pre className="payload">{JSON.stringify(e.data, null, 2)}</pre>
        </>
      )}
    </section>
  );
}
