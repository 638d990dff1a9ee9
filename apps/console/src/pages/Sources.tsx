import { useState } from 'react';
import { Page, Source } from '../api';
import { useApi } from '../hooks';
import { ListFrame, Problem, Status, when } from '../ui';

/** Where each provider sends: the exact URL to paste into it, when it last did, and Kaynko's Test ping. */
export function SourceList() {
  const list = useApi<Page<Source>>('/v1/sources?limit=100', 15_000);
  const [copied, setCopied] = useState<string>();
  const sources = list.data?.data ?? [];
  return (
    <section>
      <header className="bar">
        <h2>Sources</h2>
      </header>
      <Problem error={list.error} />
      <ListFrame loading={list.loading} empty={sources.length === 0}>
        {sources.map((s) => (
          <li key={s.id} className="row source">
            <span className="row-link">
              <strong>
                {s.name} <span className="muted">({s.provider})</span>
              </strong>
              <code className="wrap">{s.ingestUrl}</code>
            </span>
            <span className="cells">
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  void navigator.clipboard.writeText(s.ingestUrl).then(
                    () => setCopied(s.id),
                    () => setCopied(undefined),
                  )
                }
              >
                {copied === s.id ? 'Copied' : 'Copy URL'}
              </button>
              <Status value={s.enabled ? 'enabled' : 'disabled'} />
              {s.provider === 'kaynko' && <Status value={s.verifiedAt ? 'verified' : 'not verified'} />}
              <span className="muted">last seen {when(s.lastSeenAt)}</span>
            </span>
          </li>
        ))}
      </ListFrame>
    </section>
  );
}
