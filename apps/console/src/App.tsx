import { useState } from 'react';
import { PortalSession, session } from './api';
import { useApi, useRoute } from './hooks';
import { DeliveryDetail, DeliveryList } from './pages/Deliveries';
import { EndpointDetail, EndpointForm, EndpointList } from './pages/Endpoints';
import { EventDetail, EventList } from './pages/Events';
import { QerkoList } from './pages/Qerko';
import { ReplayPage } from './pages/Replay';
import { SignIn } from './pages/SignIn';
import { SourceList } from './pages/Sources';
import { Capabilities, CapabilitiesContext, EVERYTHING, Section, capabilitiesOf, usePortalLink } from './portal';
import { Problem } from './ui';

const SECTIONS: ReadonlyArray<readonly [Section, string]> = [
  ['endpoints', 'Endpoints'],
  ['deliveries', 'Deliveries'],
  ['events', 'Events'],
  ['sources', 'Sources'],
  ['replay', 'Replay'],
  ['qerko', 'Qerko'],
];

export function App() {
  const [signedIn, setSignedIn] = useState(session.key !== null);
  const { parts, query } = useRoute();
  const link = usePortalLink(parts[0] === 'portal' ? parts[1] : undefined, () => setSignedIn(true));
  // A link that did not open is explained at #/portal (where it leaves the person), above the usual sign-in.
  const notice = parts[0] === 'portal' ? link.error : undefined;
  if (link.opening)
    return (
      <main className="signin" aria-busy="true">
        <p>Opening the link…</p>
      </main>
    );
  if (!signedIn)
    return (
      <SignIn
        notice={notice}
        onSignedIn={() => {
          if (notice) window.location.replace('#/endpoints');
          setSignedIn(true);
        }}
      />
    );
  return (
    <Console
      parts={parts}
      query={query}
      notice={notice}
      onSignOut={() => {
        session.signOut();
        setSignedIn(false);
      }}
    />
  );
}

/** The signed-in console: everything with an API key; with a portal session, what /v1/portal-sessions/current says. */
function Console({
  parts,
  query,
  notice,
  onSignOut,
}: {
  parts: string[];
  query: URLSearchParams;
  notice?: Error;
  onSignOut: () => void;
}) {
  const portal = useApi<PortalSession>(session.portal ? '/v1/portal-sessions/current' : null);
  const can: Capabilities | undefined = !session.portal ? EVERYTHING : portal.data && capabilitiesOf(portal.data);
  const [first = 'endpoints', id, action] = parts;
  const section = can?.sections.find((s) => s === first);
  return (
    <>
      <header className="top">
        <span className="brand">{can?.tenantName ?? 'Integrations'}</span>
        <nav aria-label="Sections">
          {SECTIONS.filter(([path]) => can?.sections.includes(path)).map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={section === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" className="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        <Problem error={notice} />
        {can ? (
          <CapabilitiesContext.Provider value={can}>
            {/* A section this caller may not open (or none) shows the endpoints. */}
            {section ? page(section, id, action, query, can) : <EndpointList />}
          </CapabilitiesContext.Provider>
        ) : (
          <section className="panel">
            <Problem error={portal.error} />
            {portal.loading && <p>Loading…</p>}
          </section>
        )}
      </main>
    </>
  );
}

function page(
  section: Section,
  id: string | undefined,
  action: string | undefined,
  query: URLSearchParams,
  can: Capabilities,
) {
  switch (section) {
    case 'deliveries':
      return id ? <DeliveryDetail id={id} /> : <DeliveryList query={query} />;
    case 'events':
      return id ? <EventDetail id={id} /> : <EventList query={query} />;
    case 'sources':
      return <SourceList />;
    case 'replay':
      return <ReplayPage query={query} />;
    case 'qerko':
      return <QerkoList />;
    case 'endpoints':
      if (id === 'new') return can.create ? <EndpointForm /> : <EndpointList />;
      return id ? <EndpointDetail key={id} id={id} editing={can.write && action === 'edit'} /> : <EndpointList />;
  }
}
