import { Delivery, DeliveryDetail as Detail, Endpoint, Page, api } from '../api';
import { navigate, useAction, useApi } from '../hooks';
import { useCapabilities } from '../portal';
import { ListFrame, Problem, Status, when } from '../ui';

/** Recent deliveries, as the Kaynko app shows them: event type, endpoint, time, outcome; live and on Refresh. */
export function DeliveryList({ query }: { query: URLSearchParams }) {
  const endpointId = query.get('endpointId') ?? '';
  const status = query.get('status') ?? '';
  const params = new URLSearchParams({ limit: '50' });
  if (endpointId) params.set('endpointId', endpointId);
  if (status) params.set('status', status);
  const list = useApi<Page<Delivery>>(`/v1/deliveries?${params}`, 5_000);
  const endpoints = useApi<Page<Endpoint>>('/v1/endpoints?limit=100');
  const names = new Map((endpoints.data?.data ?? []).map((e) => [e.id, e.name ?? e.url]));
  const filter = (name: string, value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`#/deliveries?${next}`);
  };
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
      <Problem error={list.error} />
      <ListFrame loading={list.loading} empty={deliveries.length === 0}>
        {deliveries.map((d) => (
          <li key={d.id} className="row">
            <a href={`#/deliveries/${d.id}`} className="row-link">
              <strong>{d.eventType}</strong>
              <span className="muted wrap">{names.get(d.endpointId) ?? d.endpointId}</span>
            </a>
            <span className="cells">
              <Status value={d.status} />
              <span>{d.lastStatusCode ?? ''}</span>
              <span className="muted">{when(d.createdAt)}</span>
            </span>
          </li>
        ))}
      </ListFrame>
    </section>
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
        {d && <Status value={d.status} />}
      </header>
      <Problem error={delivery.error} />
      {d && (
        <>
          <p>
            <strong>{d.eventType}</strong> · <a href={`#/events/${d.eventId}`}>event</a> ·{' '}
            <a href={`#/endpoints/${d.endpointId}`}>endpoint</a> · {when(d.createdAt)}
          </p>
          {d.nextAttemptAt && <p className="muted">Next attempt {new Date(d.nextAttemptAt).toLocaleString()}</p>}
          <p className="muted" data-testid="retry-schedule">
            Retry schedule: {d.retrySchedule.join(', ')} — attempt {d.attemptCount} of {d.retrySchedule.length + 1}
          </p>
          {can.write && (
            <div className="actions">
              <button
                type="button"
                disabled={busy !== undefined || d.status === 'pending'}
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
          <ol className="attempts">
            {d.attempts.map((a) => (
              <li key={a.id}>
                <span className="cells">
                  <strong>#{a.number}</strong>
                  <Status value={a.errorClass ? 'failed' : 'succeeded'} />
                  <span>{a.statusCode ?? a.errorClass}</span>
                  <span>{a.durationMs} ms</span>
                  <span className="muted">{new Date(a.startedAt).toLocaleString()}</span>
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
