import { GatewayEvent, Page, Tenant, request } from '../api';
import { navigate, useAction, useApi } from '../hooks';
import { ListFrame, Problem, when } from '../ui';

export function EventList({ query }: { query: URLSearchParams }) {
  const type = query.get('type') ?? '';
  const params = new URLSearchParams({ limit: '50' });
  if (type) params.set('type', type);
  const list = useApi<Page<GatewayEvent>>(`/v1/events?${params}`, 10_000);
  const tenant = useApi<Tenant>('/v1/tenant');
  const { error, run } = useAction();
  const events = list.data?.data ?? [];

  /** The export needs the key in a header, so it is fetched, then handed to the browser as a file. */
  const exportCsv = () =>
    run('export', async () => {
      const res = await request('GET', `/v1/events/export.csv${type ? `?type=${encodeURIComponent(type)}` : ''}`);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await res.blob());
      link.download = 'events.csv';
      link.click();
      URL.revokeObjectURL(link.href);
    });

  return (
    <section>
      <header className="bar">
        <h2>Events</h2>
        <button type="button" className="secondary" onClick={() => void exportCsv()}>
          Export CSV
        </button>
      </header>
      <div className="filters">
        <input
          aria-label="Event type"
          placeholder="Filter by type, e.g. kaynko.sale.completed"
          defaultValue={type}
          onKeyDown={(e) => {
            if (e.key === 'Enter') navigate(`#/events?type=${encodeURIComponent(e.currentTarget.value.trim())}`);
          }}
        />
      </div>
      {/* One line whether or not it is loaded yet: nothing below it moves. */}
      <p className="muted" data-testid="retention">
        {tenant.data ? `Events, deliveries and attempts are kept ${tenant.data.retentionDays} days.` : '\u00a0'}
      </p>
      <Problem error={list.error ?? error} />
      <ListFrame loading={list.loading} empty={events.length === 0}>
        {events.map((e) => (
          <li key={e.id} className="row">
            <a href={`#/events/${e.id}`} className="row-link">
              <strong>{e.type}</strong>
              <span className="muted">{e.id}</span>
            </a>
            <span className="cells">
              <span className="muted">{when(e.receivedAt)}</span>
            </span>
          </li>
        ))}
      </ListFrame>
    </section>
  );
}

export function EventDetail({ id }: { id: string }) {
  const event = useApi<GatewayEvent>(`/v1/events/${id}`);
  return (
    <section className="panel">
      <h2>Event</h2>
      <Problem error={event.error} />
      {event.data && (
        <>
          <p>
            <strong>{event.data.type}</strong> · {event.data.provider} · received {when(event.data.receivedAt)} ·{' '}
            <a href={`#/deliveries?eventId=${id}`}>deliveries</a>
          </p>
          <pre className="payload">{JSON.stringify(event.data.data, null, 2)}</pre>
        </>
      )}
    </section>
  );
}
