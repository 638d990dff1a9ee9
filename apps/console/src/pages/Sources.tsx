import { useState } from 'react';
import { ApiError, Page, Source, api } from '../api';
import { useApi } from '../hooks';
import { ListFrame, Problem, Status, when } from '../ui';

/**
 * A Kaynko source without a secret is authenticated by the token in its URL, which is shown once (like a key): here
 * it can only be replaced, and the new URL is shown until the page is left.
 */
function KaynkoWithoutSecret({ source, onUrl }: { source: Source; onUrl: (url: string) => void }) {
  const [error, setError] = useState<string>();
  const rotate = () =>
    api<Source>('POST', `/v1/sources/${source.id}/rotate-token`).then(
      (s) => onUrl(s.ingestUrl),
      (err: ApiError) => setError(err.explanation),
    );
  return (
    <span className="note">
      {source.authentication === 'none'
        ? 'No secret and no token: anyone who learns this id can send events as this shop. '
        : 'No secret: the URL’s token (shown once) is all that authenticates this shop. '}
      A secret is strongly recommended (set the same one in Kaynko and here).{' '}
      <button type="button" className="secondary" onClick={() => void rotate()}>
        New token URL
      </button>
      {error && <span className="error"> {error}</span>}
    </span>
  );
}

/** What "verified" means for each provider, and how to get there. */
export function verification(source: Source): { label: string; hint: string } | null {
  if (source.provider === 'qerko') return null;
  const how =
    source.provider === 'kaynko'
      ? source.authentication === 'none'
        ? "Tap Test in Kaynko's Settings → Integrations: without a secret or a token, only the Test ping proves it is Kaynko."
        : "Tap Test in Kaynko's Settings → Integrations, or wait for the first sale: a request " +
          (source.authentication === 'signature' ? 'signed with this secret' : "carrying this URL's token") +
          ' verifies the source.'
      : "Paste this URL into DigiTax as the callback URL: its first callback with the URL's token verifies the source.";
  return source.verifiedAt
    ? {
        label: 'verified',
        hint: `The provider reached this URL with its credentials (last ${when(source.verifiedAt)}).`,
      }
    : { label: 'not verified', hint: how };
}

/** Where each provider sends: the exact URL to paste into it, when it last did, and whether it is verified. */
export function SourceList() {
  const list = useApi<Page<Source>>('/v1/sources?limit=100', 15_000);
  const [copied, setCopied] = useState<string>();
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const sources = (list.data?.data ?? []).map((s) => (revealed[s.id] ? { ...s, ingestUrl: revealed[s.id]! } : s));
  return (
    <section>
      <header className="bar">
        <h2>Sources</h2>
      </header>
      <Problem error={list.error} />
      <ListFrame loading={list.loading} empty={sources.length === 0}>
        {sources.map((s) => {
          const verified = verification(s);
          return (
            <li key={s.id} className="row source">
              <span className="row-link">
                <strong>
                  {s.name} <span className="muted">({s.provider})</span>
                </strong>
                <code className="wrap">{s.ingestUrl}</code>
                {verified && !s.verifiedAt && <span className="note">{verified.hint}</span>}
                {s.provider === 'kaynko' && s.authentication !== 'signature' && (
                  <KaynkoWithoutSecret source={s} onUrl={(url) => setRevealed((r) => ({ ...r, [s.id]: url }))} />
                )}
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
                {verified && (
                  <span title={verified.hint}>
                    <Status value={verified.label} />
                  </span>
                )}
                <span className="muted">last seen {when(s.lastSeenAt)}</span>
              </span>
            </li>
          );
        })}
      </ListFrame>
    </section>
  );
}
