import { FormEvent, useState } from 'react';
import { Endpoint, Page, Replay, Tenant, api, oldestKept } from '../api';
import { useAction, useApi } from '../hooks';
import { Field, Problem, Status, at, localInput as local, localZone } from '../ui';
import { EventTypePicker } from './Endpoints';

/**
 * Sends a window of past events to one endpoint again — of the endpoint's event types, or of the ones chosen — with a
 * progress bar while the job runs.
 */
export function ReplayPage({ query }: { query: URLSearchParams }) {
  const endpoints = useApi<Page<Endpoint>>('/v1/endpoints?limit=100');
  const tenant = useApi<Tenant>('/v1/tenant');
  const oldest = tenant.data ? oldestKept(tenant.data) : undefined;
  const [endpointId, setEndpointId] = useState(query.get('endpointId') ?? '');
  const [since, setSince] = useState(local(new Date(Date.now() - 3600_000)));
  /** Empty: until the moment the replay starts (a time typed here has whole minutes only). */
  const [until, setUntil] = useState('');
  /** None chosen: the endpoint's subscriptions (the API's default, so nothing is sent). */
  const [types, setTypes] = useState<string[]>([]);
  const [replayId, setReplayId] = useState<string>();
  const endpoint = endpoints.data?.data.find((e) => e.id === endpointId);
  const { error, run } = useAction();
  const replay = useApi<Replay>(replayId ? `/v1/replays/${replayId}` : null, 1_000);

  function submit(event: FormEvent) {
    event.preventDefault();
    void run('replay', async () => {
      const started = await api<Replay>('POST', `/v1/endpoints/${endpointId}/replay`, {
        since: new Date(since).toISOString(),
        ...(until ? { until: new Date(until).toISOString() } : {}),
        ...(types.length ? { eventTypes: types } : {}),
      });
      setReplayId(started.id);
    });
  }

  const r = replay.data;
  const zone = localZone();
  return (
    <section className="panel">
      <h2>Replay</h2>
      <form onSubmit={submit}>
        <Field label="Endpoint">
          <select value={endpointId} onChange={(e) => setEndpointId(e.target.value)} required>
            <option value="">Choose…</option>
            {(endpoints.data?.data ?? []).map((e) => (
              <option key={e.id} value={e.id}>
                {e.name ?? e.url}
              </option>
            ))}
          </select>
        </Field>
        <div className="two">
          <Field label={`From (${zone})`}>
            <input
              type="datetime-local"
              value={since}
              min={oldest && local(oldest)}
              onChange={(e) => setSince(e.target.value)}
              required
            />
          </Field>
          <Field label={`Until (${zone})`} hint="Empty: now.">
            <input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
          </Field>
        </div>
        <p className="muted" data-testid="retention">
          {tenant.data && oldest
            ? `Events are kept ${tenant.data.retentionDays} days: a replay reaches back to ${at(oldest)} at most.`
            : '\u00a0'}
        </p>
        <EventTypePicker
          legend="Event types to replay"
          hint={
            types.length
              ? 'Only events of the types chosen (whether or not the endpoint subscribes to them).'
              : `None chosen: the endpoint's own event types${endpoint ? ` (${endpoint.eventTypes.join(', ')})` : ''}.`
          }
          value={types}
          onChange={setTypes}
        />
        <button type="submit" disabled={!endpointId}>
          Replay these events
        </button>
      </form>
      <Problem error={error ?? replay.error} />
      <div className="progress-frame" aria-live="polite">
        {r && (
          <>
            <progress max={1} value={r.progress} aria-label="Replay progress" />
            <p>
              <Status value={r.status} /> {r.succeeded + r.failed} of {r.total} done · {r.succeeded} delivered ·{' '}
              {r.failed} failed
            </p>
            <p className="muted" data-testid="replay-types">
              Event types: {r.eventTypes.join(', ')}
            </p>
          </>
        )}
      </div>
    </section>
  );
}
