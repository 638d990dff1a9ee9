import { FormEvent, useState } from 'react';
import { Endpoint, Page, Replay, Tenant, api, oldestKept } from '../api';
import { useAction, useApi } from '../hooks';
import { Field, Problem, Status } from '../ui';

const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** Sends a window of past events to one endpoint again, with a progress bar while the job runs. */
export function ReplayPage({ query }: { query: URLSearchParams }) {
  const endpoints = useApi<Page<Endpoint>>('/v1/endpoints?limit=100');
  const tenant = useApi<Tenant>('/v1/tenant');
  const oldest = tenant.data ? oldestKept(tenant.data) : undefined;
  const [endpointId, setEndpointId] = useState(query.get('endpointId') ?? '');
  const [since, setSince] = useState(local(new Date(Date.now() - 3600_000)));
  const [until, setUntil] = useState(local(new Date()));
  const [replayId, setReplayId] = useState<string>();
  const { error, run } = useAction();
  const replay = useApi<Replay>(replayId ? `/v1/replays/${replayId}` : null, 1_000);

  function submit(event: FormEvent) {
    event.preventDefault();
    void run('replay', async () => {
      const started = await api<Replay>('POST', `/v1/endpoints/${endpointId}/replay`, {
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
      });
      setReplayId(started.id);
    });
  }

  const r = replay.data;
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
          <Field label="From">
            <input
              type="datetime-local"
              value={since}
              min={oldest && local(oldest)}
              onChange={(e) => setSince(e.target.value)}
              required
            />
          </Field>
          <Field label="Until">
            <input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} required />
          </Field>
        </div>
        <p className="muted" data-testid="retention">
          {tenant.data && oldest
            ? `Events are kept ${tenant.data.retentionDays} days: a replay reaches back to ${oldest.toLocaleString()} at most.`
            : '\u00a0'}
        </p>
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
          </>
        )}
      </div>
    </section>
  );
}
