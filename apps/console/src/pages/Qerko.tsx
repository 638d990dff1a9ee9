import { Page, QerkoRequest } from '../api';
import { useApi } from '../hooks';
import { ListFrame, Problem, Status, when } from '../ui';

/** Qerko's requests to the POS: what was asked, how it was answered, and when each step happened. */
export function QerkoList() {
  const list = useApi<Page<QerkoRequest>>('/v1/qerko/requests?limit=50', 5_000);
  const requests = list.data?.data ?? [];
  return (
    <section>
      <header className="bar">
        <h2>Qerko requests</h2>
      </header>
      <Problem error={list.error} />
      <ListFrame loading={list.loading} empty={requests.length === 0}>
        {requests.map((q) => (
          <li key={q.id} className="row">
            <details>
              <summary className="cells">
                <strong>{q.method}</strong>
                <Status value={q.state} />
                <span className="muted">{when(q.receivedAt)}</span>
              </summary>
              <ol className="timeline">
                {q.timeline.map((t, i) => (
                  <li key={i}>
                    <span className="muted">{new Date(t.at).toLocaleTimeString()}</span> {t.what}
                    {t.detail ? ` — ${t.detail}` : ''}
                  </li>
                ))}
              </ol>
            </details>
          </li>
        ))}
      </ListFrame>
    </section>
  );
}
