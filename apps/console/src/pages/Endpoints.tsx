import { FormEvent, useEffect, useMemo, useState } from 'react';
import { Delivery, Endpoint, EndpointStats, EventType, Page, Recovery, api } from '../api';
import { EndpointChart } from '../chart';
import { navigate, useAction, useApi } from '../hooks';
import { useCapabilities } from '../portal';
import { Field, ListFrame, Problem, Status, at, localInput, localZone, when } from '../ui';

function health(endpoint: Endpoint): string {
  if (!endpoint.enabled) return 'disabled';
  return endpoint.failingSince ? 'failing' : 'healthy';
}

export function EndpointList() {
  const list = useApi<Page<Endpoint>>('/v1/endpoints?limit=100', 15_000);
  const can = useCapabilities();
  const endpoints = list.data?.data ?? [];
  return (
    <section>
      <header className="bar">
        <h2>Endpoints</h2>
        {can.create && (
          <a className="button" href="#/endpoints/new">
            Add endpoint
          </a>
        )}
      </header>
      <Problem error={list.error} />
      <ListFrame loading={list.loading} empty={endpoints.length === 0}>
        {endpoints.map((e) => (
          <EndpointRow key={e.id} endpoint={e} />
        ))}
      </ListFrame>
    </section>
  );
}

function EndpointRow({ endpoint }: { endpoint: Endpoint }) {
  const stats = useApi<EndpointStats>(`/v1/endpoints/${endpoint.id}/stats?window=24h`);
  const rate = stats.data?.successRate;
  return (
    <li className="row">
      <a href={`#/endpoints/${endpoint.id}`} className="row-link">
        <strong>{endpoint.name ?? endpoint.url}</strong>
        <span className="muted wrap">{endpoint.name ? endpoint.url : endpoint.eventTypes.join(', ')}</span>
      </a>
      <span className="cells">
        <Status value={health(endpoint)} />
        <span title="Success rate over 24 h">
          {rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)} %`}
        </span>
        <span className="muted">{endpoint.failingSince ? `failing since ${when(endpoint.failingSince)}` : ''}</span>
      </span>
    </li>
  );
}

/** Event types grouped by provider, with each provider's wildcard, as the API accepts them. */
export function EventTypePicker({
  value,
  onChange,
  legend = 'Event types',
  hint,
}: {
  value: string[];
  onChange: (v: string[]) => void;
  legend?: string;
  hint?: string;
}) {
  const catalog = useApi<{ data: EventType[] }>('/v1/event-types');
  const groups = useMemo(() => {
    const byProvider = new Map<string, EventType[]>();
    for (const t of catalog.data?.data ?? []) byProvider.set(t.provider, [...(byProvider.get(t.provider) ?? []), t]);
    return [...byProvider];
  }, [catalog.data]);
  const toggle = (type: string) => onChange(value.includes(type) ? value.filter((v) => v !== type) : [...value, type]);
  return (
    <fieldset className="types">
      <legend>{legend}</legend>
      {hint && <small className="muted">{hint}</small>}
      <Problem error={catalog.error} />
      <label className="check">
        <input type="checkbox" checked={value.includes('*')} onChange={() => toggle('*')} /> Everything (<code>*</code>)
      </label>
      {groups.map(([provider, types]) => (
        <details key={provider} open={types.some((t) => value.includes(t.type)) || value.includes(`${provider}.*`)}>
          <summary>{provider}</summary>
          <label className="check">
            <input type="checkbox" checked={value.includes(`${provider}.*`)} onChange={() => toggle(`${provider}.*`)} />{' '}
            all {provider} events (<code>{provider}.*</code>)
          </label>
          {types.map((t) => (
            <label className="check" key={t.type} title={t.description}>
              <input type="checkbox" checked={value.includes(t.type)} onChange={() => toggle(t.type)} />{' '}
              <code>{t.type}</code>
            </label>
          ))}
        </details>
      ))}
    </fieldset>
  );
}

/** Adds an endpoint, or edits one (then `onSaved` lets its page show what was saved). */
export function EndpointForm({ endpoint, onSaved }: { endpoint?: Endpoint; onSaved?: () => void }) {
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [name, setName] = useState(endpoint?.name ?? '');
  const [types, setTypes] = useState<string[]>(endpoint?.eventTypes ?? []);
  const [format, setFormat] = useState<Endpoint['format']>(endpoint?.format ?? 'standard');
  const [secret, setSecret] = useState('');
  const [filter, setFilter] = useState(endpoint?.filter ? JSON.stringify(endpoint.filter, null, 2) : '');
  const [retries, setRetries] = useState(endpoint?.retrySchedule?.join(', ') ?? '');
  const [ordering, setOrdering] = useState<Endpoint['ordering']>(endpoint?.ordering ?? 'none');
  const [orderingKey, setOrderingKey] = useState(endpoint?.orderingKey ?? '');
  const [scheme, setScheme] = useState<Endpoint['signatureScheme']>(endpoint?.signatureScheme ?? 'v1');
  const { busy, error, run } = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    void run('save', async () => {
      const body = {
        url,
        name: name || undefined,
        eventTypes: types,
        format,
        filter: parseFilter(filter),
        retrySchedule: retries.trim() ? retries.split(',').map((step) => step.trim()) : null,
        ordering,
        orderingKey: ordering === 'key' ? orderingKey.trim() : null,
        signatureScheme: scheme,
        ...(secret && scheme === 'v1' ? { secret } : {}),
      };
      const saved = endpoint
        ? await api<Endpoint>('PATCH', `/v1/endpoints/${endpoint.id}`, body)
        : await api<Endpoint>('POST', '/v1/endpoints', body);
      onSaved?.();
      navigate(`#/endpoints/${saved.id}`);
    });
  }

  return (
    <form className="panel" onSubmit={submit}>
      <h2>{endpoint ? 'Edit endpoint' : 'Add endpoint'}</h2>
      <Field label="Webhook URL" hint="Where the gateway sends events: https, and a public address.">
        <input
          type="url"
          inputMode="url"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          required
          placeholder="https://"
        />
      </Field>
      <Field label="Name (optional)">
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
      </Field>
      <EventTypePicker value={types} onChange={setTypes} />
      <Field
        label="Format"
        hint="standard: Standard Webhooks signatures; kaynko: Kaynko's own envelope and X-Kaynko-Signature."
      >
        <select value={format} onChange={(e) => setFormat(e.target.value as Endpoint['format'])}>
          <option value="standard">standard</option>
          <option value="kaynko">kaynko</option>
        </select>
      </Field>
      <Field
        label="Filter (optional)"
        hint={
          'Deliver only the events that match, e.g. {"data.total": {"$gte": 100}, "data.paymentMethod": {"$in": ["card"]}}. ' +
          'Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $startsWith $and $or $not. Empty: every subscribed event.'
        }
      >
        <textarea
          aria-label="Filter"
          className="code"
          rows={4}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          spellCheck={false}
          placeholder='{"data.total": {"$gte": 100}}'
        />
      </Field>
      <Field
        label="Retry schedule (optional)"
        hint={
          "Delays between attempts, 1 to 20 of 1s to 24h, e.g. 10s, 1m, 10m, 1h. Empty: the gateway's schedule" +
          (endpoint && !endpoint.retrySchedule ? ` (${endpoint.retryScheduleInForce.join(', ')}).` : '.')
        }
      >
        <input
          value={retries}
          onChange={(e) => setRetries(e.target.value)}
          placeholder={endpoint?.retryScheduleInForce.join(', ') ?? '10s, 1m, 10m, 1h'}
        />
      </Field>
      <Field
        label="Order"
        hint={
          'none: all at once. By source: one after another per source, in the order the gateway accepted them (a ' +
          'failing delivery holds back its source). By key: the same per value of a field, e.g. /data/saleId — a ' +
          'failing delivery holds back only its own key.'
        }
      >
        <select
          aria-label="Order"
          value={ordering}
          onChange={(e) => setOrdering(e.target.value as Endpoint['ordering'])}
        >
          <option value="none">none</option>
          <option value="source">by source</option>
          <option value="key">by key</option>
        </select>
      </Field>
      {ordering === 'key' && (
        <Field
          label="Ordering key"
          hint="A JSON Pointer into the event, e.g. /data/saleId. Events without it are ordered with their source."
        >
          <input
            aria-label="Ordering key"
            value={orderingKey}
            onChange={(e) => setOrderingKey(e.target.value)}
            required
            placeholder="/data/saleId"
          />
        </Field>
      )}
      <Field
        label="Signatures"
        hint={
          'v1: HMAC with a shared secret. v1a: ed25519 — receivers verify with a public key, the private key never ' +
          'leaves the gateway (format standard only). Changing it rotates the key; the old one signs too for a while.'
        }
      >
        <select
          aria-label="Signatures"
          value={scheme}
          onChange={(e) => setScheme(e.target.value as Endpoint['signatureScheme'])}
        >
          <option value="v1">v1 (HMAC, shared secret)</option>
          <option value="v1a">v1a (ed25519, public key)</option>
        </select>
      </Field>
      {!endpoint && scheme === 'v1' && (
        <Field
          label="Signing secret (optional)"
          hint="Leave empty and the gateway makes one; you can show it afterwards."
        >
          <input value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" minLength={8} />
        </Field>
      )}
      <Problem error={error} />
      <div className="actions">
        <button type="submit" disabled={busy !== undefined || types.length === 0}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <a href={endpoint ? `#/endpoints/${endpoint.id}` : '#/endpoints'}>Cancel</a>
      </div>
    </form>
  );
}

/** The filter box's text as the API takes it: null when empty; a mistake in the JSON is shown before sending. */
function parseFilter(text: string): Record<string, unknown> | null {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`The filter is not valid JSON: ${(err as Error).message}`);
  }
}

interface TestOutcome {
  succeeded: boolean;
  filteredOut: boolean;
  statusCode: number | null;
  durationMs: number;
  error: { class: string; message: string } | null;
}

export function EndpointDetail({ id, editing }: { id: string; editing: boolean }) {
  const endpoint = useApi<Endpoint>(`/v1/endpoints/${id}`);
  const [statsWindow, setStatsWindow] = useState('24h');
  const stats = useApi<EndpointStats>(`/v1/endpoints/${id}/stats?window=${statsWindow}`, 30_000);
  const [secret, setSecret] = useState<string>();
  const [test, setTest] = useState<TestOutcome>();
  const { busy, error, run } = useAction();
  const can = useCapabilities();
  // Whether there is anything to recover (only asked when the caller may recover it).
  const failed = useApi<Page<Delivery>>(
    can.write ? `/v1/deliveries?endpointId=${id}&status=failed&limit=1` : null,
    30_000,
  );

  // The page appears with what decides its layout (the recover form or not): nothing moves in afterwards.
  if (!endpoint.data || (failed.loading && !failed.data && !failed.error))
    return (
      <section className="panel">
        <Problem error={endpoint.error} />
        {(endpoint.loading || failed.loading) && <p>Loading…</p>}
      </section>
    );
  const e = endpoint.data;
  if (editing) return <EndpointForm endpoint={e} onSaved={endpoint.reload} />;
  const failing = e.failingSince !== null || (failed.data?.data.length ?? 0) > 0;
  return (
    <section className="panel">
      <header className="bar">
        <h2>{e.name ?? 'Endpoint'}</h2>
        <Status value={health(e)} />
      </header>
      <p className="wrap">
        <code>{e.url}</code>
      </p>
      <p className="muted">
        {e.eventTypes.join(', ')} · format {e.format} · timeout {e.timeoutMs} ms · retries{' '}
        <span data-testid="retries">{e.retryScheduleInForce.join(', ')}</span>
        {e.retrySchedule ? '' : " (the gateway's)"}
        {e.disabledReason ? ` · disabled: ${e.disabledReason}` : ''}
      </p>
      {e.filter && (
        <p className="muted wrap">
          Filter: <code data-testid="filter">{JSON.stringify(e.filter)}</code>
        </p>
      )}
      {e.ordering !== 'none' && (
        <p className="muted" data-testid="ordering">
          Delivered in order{' '}
          {e.ordering === 'key' ? (
            <>
              per <code>{e.orderingKey}</code>
            </>
          ) : (
            'per source'
          )}
          {stats.data?.ordering ? ` · ${stats.data.ordering.heldKeys} held back` : ''}
        </p>
      )}
      <div className="actions">
        {can.write && (
          <>
            <button
              type="button"
              disabled={busy !== undefined}
              onClick={() =>
                void run('test', async () => setTest(await api<TestOutcome>('POST', `/v1/endpoints/${id}/test`)))
              }
            >
              {busy === 'test' ? 'Testing…' : 'Test'}
            </button>
            <a className="button secondary" href={`#/endpoints/${id}/edit`}>
              Edit
            </a>
            <button
              type="button"
              className="secondary"
              disabled={busy !== undefined}
              onClick={() =>
                void run('toggle', async () => {
                  await api('PATCH', `/v1/endpoints/${id}`, { enabled: !e.enabled });
                  endpoint.reload();
                })
              }
            >
              {e.enabled ? 'Disable' : 'Enable'}
            </button>
          </>
        )}
        <a className="button secondary" href={`#/deliveries?endpointId=${id}`}>
          Deliveries
        </a>
        {can.sections.includes('replay') && (
          <a className="button secondary" href={`#/replay?endpointId=${id}`}>
            Replay
          </a>
        )}
      </div>
      {test && (
        <p className={`outcome ${test.filteredOut ? '' : test.succeeded ? 'good' : 'bad'}`} role="status">
          {test.filteredOut ? (
            <>Filtered out — {test.error?.message}</>
          ) : (
            <>
              {test.succeeded ? 'Test delivered' : 'Test failed'}: {test.statusCode ?? test.error?.class} in{' '}
              {test.durationMs} ms
              {test.error ? ` — ${test.error.message}` : ''}
            </>
          )}
        </p>
      )}
      {can.write && (
        <RecoverForm
          endpoint={e}
          failing={failing}
          onFinished={() => {
            endpoint.reload();
            failed.reload();
          }}
        />
      )}
      {/* Showing the secret is a write-scoped route too: a read-only session sees neither it nor its buttons. */}
      {can.write && (
        <>
          <h3>{e.signatureScheme === 'v1a' ? 'Public key (v1a, ed25519)' : 'Signing secret'}</h3>
          <div className="actions">
            {secret ? <code className="secret">{secret}</code> : <span className="muted">Hidden</span>}
            <button
              type="button"
              className="secondary"
              disabled={busy !== undefined}
              onClick={() =>
                void run('show', async () =>
                  setSecret(secret ? undefined : shown(await api<SecretView>('GET', `/v1/endpoints/${id}/secret`))),
                )
              }
            >
              {secret ? 'Hide' : 'Show'}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={busy !== undefined}
              onClick={() =>
                void run('rotate', async () => {
                  if (window.confirm('Rotate the secret? The old one keeps working for a while.')) {
                    setSecret(shown(await api<SecretView>('POST', `/v1/endpoints/${id}/rotate-secret`)));
                  }
                })
              }
            >
              {busy === 'rotate' ? 'Rotating…' : 'Rotate'}
            </button>
          </div>
        </>
      )}
      <Problem error={error} />
      <h3>
        Health{' '}
        <select aria-label="Window" value={statsWindow} onChange={(ev) => setStatsWindow(ev.target.value)}>
          <option value="1h">last hour</option>
          <option value="24h">last 24 h</option>
          <option value="7d">last 7 days</option>
        </select>
      </h3>
      <Problem error={stats.error} />
      <div className="chart-frame">{stats.data && <EndpointChart series={stats.data.series} />}</div>
      {stats.data && (
        <p className="muted">
          {stats.data.attempts} attempts ·{' '}
          {stats.data.successRate === null
            ? 'no success rate yet'
            : `${Math.round(stats.data.successRate * 100)} % succeeded`}{' '}
          · p50 {stats.data.latencyMs.p50 ?? '—'} ms · p95 {stats.data.latencyMs.p95 ?? '—'} ms
        </p>
      )}
      {stats.data?.ordering?.held.length ? (
        <>
          <h3>Held back</h3>
          <div className="table-frame">
            <table>
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Waiting</th>
                  <th>Held by</th>
                  <th>Attempts</th>
                  <th>Next attempt</th>
                </tr>
              </thead>
              <tbody>
                {stats.data.ordering.held.map((h) => (
                  <tr key={h.deliveryId}>
                    <td>{h.key ?? `source ${h.sourceId}`}</td>
                    <td>{h.waiting}</td>
                    <td>
                      <a href={`#/deliveries/${h.deliveryId}`}>{h.deliveryId}</a>
                    </td>
                    <td>{h.attempts}</td>
                    <td>{at(h.nextAttemptAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}

/**
 * After an outage: attempts again, in one go, the endpoint's deliveries that failed for good since an instant (by
 * default a minute before it started failing — a delivery is created just before its first attempt — else 24 h
 * ago), and follows the recovery to its end. Offered while the endpoint is failing or has failed deliveries, and
 * until the recovery it started is followed to its end.
 */
function RecoverForm({
  endpoint,
  failing,
  onFinished,
}: {
  endpoint: Endpoint;
  failing: boolean;
  onFinished: () => void;
}) {
  const [since, setSince] = useState(() =>
    localInput(
      endpoint.failingSince
        ? new Date(new Date(endpoint.failingSince).getTime() - 60_000)
        : new Date(Date.now() - 86_400_000),
    ),
  );
  const [recoveryId, setRecoveryId] = useState<string>();
  const { busy, error, run } = useAction();
  /** The recovery followed to its end (its numbers no longer change: no more polling). */
  const [done, setDone] = useState<string>();
  const running = recoveryId !== undefined && done !== recoveryId;
  const recovery = useApi<Recovery>(recoveryId ? `/v1/recoveries/${recoveryId}` : null, running ? 1_000 : undefined);
  const r = recovery.data;
  useEffect(() => {
    if (r?.status !== 'completed' || done === r.id) return;
    setDone(r.id);
    onFinished();
  }, [r, done, onFinished]);
  if (!failing && !recoveryId) return null;

  function submit(event: FormEvent) {
    event.preventDefault();
    void run('recover', async () => {
      const started = await api<Recovery>('POST', `/v1/endpoints/${endpoint.id}/recover`, {
        since: new Date(since).toISOString(),
      });
      setRecoveryId(started.id);
    });
  }

  return (
    <section className="recover" aria-labelledby="recover-heading">
      <h3 id="recover-heading">Recover failed deliveries</h3>
      {endpoint.failingSince && (
        <p className="outcome bad">Every attempt has failed since {at(endpoint.failingSince)}.</p>
      )}
      <form onSubmit={submit}>
        <Field
          label="Recover failed deliveries since"
          hint={`Your time (${localZone()}). Deliveries made since then that failed for good are attempted again.`}
        >
          <input
            type="datetime-local"
            value={since}
            max={localInput(new Date())}
            onChange={(ev) => setSince(ev.target.value)}
            required
          />
        </Field>
        <button type="submit" disabled={busy !== undefined || running}>
          {busy ? 'Starting…' : 'Recover failed deliveries'}
        </button>
      </form>
      <Problem error={error ?? recovery.error} />
      <div className="progress-frame" aria-live="polite">
        {r && (
          <>
            <progress max={1} value={r.progress} aria-label="Recovery progress" />
            <p role="status" data-testid="recovery">
              <Status value={r.status} />{' '}
              {r.total === 0
                ? `No delivery failed for good since ${at(r.since)}: nothing to recover.`
                : `${r.succeeded} of ${r.total} delivered, ${r.failed} failed`}
            </p>
          </>
        )}
      </div>
    </section>
  );
}

type SecretView = { secret?: string; publicKey?: string };

/** What the endpoint page shows: the v1 secret, or the v1a public key (the private key is never sent). */
function shown(view: SecretView): string | undefined {
  return view.secret ?? view.publicKey;
}
