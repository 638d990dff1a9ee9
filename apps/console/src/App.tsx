import { useState } from 'react';
import { session } from './api';
import { useRoute } from './hooks';
import { DeliveryDetail, DeliveryList } from './pages/Deliveries';
import { EndpointDetail, EndpointForm, EndpointList } from './pages/Endpoints';
import { EventDetail, EventList } from './pages/Events';
import { QerkoList } from './pages/Qerko';
import { ReplayPage } from './pages/Replay';
import { SignIn } from './pages/SignIn';
import { SourceList } from './pages/Sources';

const SECTIONS = [
  ['endpoints', 'Endpoints'],
  ['deliveries', 'Deliveries'],
  ['events', 'Events'],
  ['sources', 'Sources'],
  ['replay', 'Replay'],
  ['qerko', 'Qerko'],
] as const;

export function App() {
  const [signedIn, setSignedIn] = useState(session.key !== null);
  const { parts, query } = useRoute();
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const [section = 'endpoints', id, action] = parts;
  return (
    <>
      <header className="top">
        <span className="brand">Integrations</span>
        <nav aria-label="Sections">
          {SECTIONS.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={section === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          className="link"
          onClick={() => {
            session.signOut();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main>{page(section, id, action, query)}</main>
    </>
  );
}

function page(section: string, id: string | undefined, action: string | undefined, query: URLSearchParams) {
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
    default:
      if (id === 'new') return <EndpointForm />;
      return id ? <EndpointDetail key={id} id={id} editing={action === 'edit'} /> : <EndpointList />;
  }
}
