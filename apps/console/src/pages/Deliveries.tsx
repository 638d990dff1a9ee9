import { Delivery, DeliveryDetail as Detail, Endpoint, Page, api } from '../api';
import { navigateWith, useAction, useApi } from '../hooks';
import { useCapabilities } from '../portal';
import { Found, ListFrame, Problem, Sale, SearchBox, Status, Time, at } from '../ui';

/**
 * Recent deliveries, as the Kaynko app shows them: event type (a sale's receipt number, total and payment method),
 * endpoint, time, outcome; found by what a merchant knows (`q`), filtered by endpoint and outcome; live and on Refresh.
 */
export function DeliveryList({ query }: { query: URLSearchParams }) {
  const endpointId = query.get('endpointId') ?? '';
  const status = query.get('status') ?? '';
  const q = query.get('q') ?? '';
  const eventId = query.get('eventId') ?? '';
  const params = new URLSearchParams({ limit: '50' });
  if (endpointId) params.set('endpointId', endpointId);
  if (status) params.set('status', status);
  if (q) params.set('q', q);
  if (eventId) params.set('eventId', eventId);
  const list = useApi<Page<Delivery>>(`/v1/deliveries?${params}`, 5_000);
  const endpoints = useApi<Page<Endpoint>>('/v1/endpoints?limit=100');
  const names = new Map((endpoints.data?.data ?? []).map((e) => [e.id, e.name ?? e.url]));
  const filter = (name: string, value: string) => navigateWith('deliveries', query, { [name]: value });
  const deliveries = list.data?.data ?? [];
  return (
    <section>
      <header className="bar">
        <h2>Recent deliveries</h2>
        <button type="button" onClick={list.reload} disabled={list.loading}>
          {list.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>
      <div className="filters">
        <SearchBox value={q} onSearch={(value) => filter('q', value)} />
        <select aria-label="Endpoint" value={endpointId} onChange={(e) => filter('endpointId', e.target.value)}>
          <option value="">All endpoints</option>
          {[...names].map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </select>
        <select aria-label="Status" value={status} onChange={(e) => filter('status', e.target.value)}>
          <option value="">Any outcome</option>
          {['succeeded', 'failed', 'retrying', 'pending'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      {eventId && (
        <p className="muted">
          Deliveries of event <code>{eventId}</code> · <a href={withoutEvent(query)}>all events</a>
        </p>
      )}
      {q && (
        <Found
          q={q}
          count={list.data?.data.length}
          more={Boolean(list.data?.nextCursor)}
          what={['delivery', 'deliveries']}
        />
      )}
      <Problem error={list.error} />
      <ListFrame
        loading={list.loading}
        empty={deliveries.length === 0}
        nothing={q ? `No delivery of an event matching “${q}”.` : undefined}
      >
        {deliveries.map((d) => (
          <li key={d.id} className="row">
            <a href={`#/deliveries/${d.id}`} className="row-link">
              <strong>{d.eventType}</strong>
              {d.sale && <Sale sale={d.sale} />}
              <span className="muted wrap">{names.get(d.endpointId) ?? d.endpointId}</span>
            </a>
            <span className="cells">
              <Status value={d.status} />
              <span>{d.lastStatusCode ?? ''}</span>
              <Time iso={d.createdAt} />
            </span>
          </li>
        ))}
      </ListFrame>
    </section>
  );
}

function withoutEvent(query: URLSearchParams): string {
  const rest = new URLSearchParams(query);
  rest.delete('eventId');
  return `#/deliveries${rest.toString() ? `?${rest}` : ''}`;
}

/** A delivery's state in words: where it stands, and what happens next (times with their time zone). */
function stateOf(d: Detail): string {
  switch (d.state) {
    case 'pending':
      return d.nextAttemptAt ? `Pending — first attempt at ${at(d.nextAttemptAt)}` : 'Pending — not attempted yet';
    case 'retrying':
      return d.nextAttemptAt ? `Retrying — next attempt at ${at(d.nextAttemptAt)}` : 'Retrying — next attempt soon';
    case 'succeeded':
      return d.completedAt ? `Delivered at ${at(d.completedAt)}` : 'Delivered';
    case 'exhausted':
      return `Exhausted: all ${d.attemptCount} attempts failed${d.completedAt ? ` (the last at ${at(d.completedAt)})` : ''}`;
    case 'failed':
      // Stopped before the end of its schedule: its endpoint was disabled or deleted, or the receiver refused it for good.
      return `Failed — no more attempts${d.lastError ? ` (last error: ${d.lastError})` : ''}`;
  }
}

/** Where the delivery goes, as that endpoint is now: a link to it, its URL, and why it is off if it is. */
function EndpointOf({ d }: { d: Detail }) {
  const e = d.endpoint;
  if (!e)
    return (
      <p data-testid="delivery-endpoint">
        <Status value="deleted" /> Endpoint deleted <span className="muted wrap">({d.endpointId})</span>
      </p>
    );
  return (
    <>
      <p data-testid="delivery-endpoint">
        To <a href={`#/endpoints/${e.id}`}>{e.name ?? e.url}</a>
        {e.name && (
          <>
            {' '}
            <code className="wrap">{e.url}</code>
          </>
        )}
      </p>
      {!e.enabled && (
        <p className="problem" role="status">
          Endpoint disabled{e.disabledReason ? `: ${e.disabledReason}` : ''}
        </p>
      )}
    </>
  );
}

export function DeliveryDetail({ id }: { id: string }) {
  const delivery = useApi<Detail>(`/v1/deliveries/${id}`, 3_000);
  const { busy, error, run } = useAction();
  const can = useCapabilities();
  const d = delivery.data;
  return (
    <section className="panel">
      <header className="bar">
        <h2>Delivery</h2>
        {d && <Status value={d.state} />}
      </header>
      <Problem error={delivery.error} />
      {d && (
        <>
          <p>
            <strong>{d.eventType}</strong> · <a href={`#/events/${d.eventId}`}>event</a>
          </p>
          {d.sale && (
            <p>
              <Sale sale={d.sale} />
            </p>
          )}
          <EndpointOf d={d} />
          <p
            className={d.state === 'exhausted' || d.state === 'failed' ? 'outcome bad' : ''}
            data-testid="delivery-state"
          >
            {stateOf(d)}
          </p>
          <p className="muted" data-testid="delivery-created">
            Created {at(d.createdAt)}
            {d.replayId ? ` by replay ${d.replayId}` : ''}
          </p>
          <p className="muted" data-testid="retry-schedule">
            Retry schedule: {d.retrySchedule.join(', ')} — attempt {d.attemptCount} of {d.retrySchedule.length + 1}
          </p>
          {can.write && (
            <div className="actions">
              <button
                type="button"
                disabled={busy !== undefined || d.status === 'pending' || !d.endpoint}
                onClick={() =>
                  void run('retry', async () => {
                    await api('POST', `/v1/deliveries/${id}/retry`);
                    delivery.reload();
                  })
                }
              >
                {busy ? 'Retrying…' : 'Retry'}
              </button>
            </div>
          )}
          <Problem error={error} />
          <h3>Attempts</h3>
          {d.attempts.length === 0 && <p className="muted">None yet.</p>}
          <ol className="attempts">
            {d.attempts.map((a) => (
              <li key={a.id}>
                <span className="cells">
                  <strong>#{a.number}</strong>
                  <Status value={a.errorClass ? 'failed' : 'succeeded'} />
                  <span>{a.statusCode ?? a.errorClass}</span>
                  <span>{a.durationMs} ms</span>
                  <span className="muted">{at(a.startedAt)}</span>
                </span>
                {a.errorMessage && <p className="muted">{a.errorMessage}</p>}
                {a.responseBody && <pre>{a.responseBody.slice(0, 500)}</pre>}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
