import { createContext, useContext, useEffect, useState } from 'react';
import { ApiError, PortalAccess, PortalSession, request, session } from './api';

/**
 * Portal mode: a partner hands a merchant a link, `/console/#/portal/<token>`, which opens the console once without
 * an API key. What the session may do is the API's to say (GET /v1/portal-sessions/current); the pages hide what it
 * may not, and an API key may do everything.
 */

export type Section = 'endpoints' | 'deliveries' | 'events' | 'sources' | 'replay' | 'qerko';

export interface Capabilities {
  /** The portal session's tenant, for the header; undefined with an API key. */
  tenantName?: string;
  /** The sections the console shows. */
  sections: readonly Section[];
  /** Change endpoints (edit, enable, test, show or rotate the secret), retry deliveries, replay. */
  write: boolean;
  /** Add endpoints (a session limited to some endpoints may not). */
  create: boolean;
}

export const EVERYTHING: Capabilities = {
  sections: ['endpoints', 'deliveries', 'events', 'sources', 'replay', 'qerko'],
  write: true,
  create: true,
};

/** A portal session sees its endpoints, their deliveries, events and replays — never sources or Qerko requests. */
export function capabilitiesOf(portal: PortalSession): Capabilities {
  return {
    tenantName: portal.tenantName,
    sections: portal.readOnly ? ['endpoints', 'deliveries', 'events'] : ['endpoints', 'deliveries', 'events', 'replay'],
    write: !portal.readOnly,
    create: !portal.readOnly && portal.endpointIds === null,
  };
}

export const CapabilitiesContext = createContext<Capabilities>(EVERYTHING);

export function useCapabilities(): Capabilities {
  return useContext(CapabilitiesContext);
}

/** The exchanges under way: one request per link, however often React runs the effect that asks for it. */
const exchanges = new Map<string, Promise<void>>();

function exchange(token: string): Promise<void> {
  let exchanged = exchanges.get(token);
  if (!exchanged) {
    exchanged = request('POST', '/v1/portal-sessions/exchange', { token }, null)
      .then((res) => res.json() as Promise<PortalAccess>)
      .then((access) => session.signIn(access.accessToken));
    exchanges.set(token, exchanged);
    const done = () => exchanges.delete(token);
    exchanged.then(done, done);
  }
  return exchanged;
}

const LINK_REFUSED = 'This link has already been opened, has expired or was revoked: ask for a new one.';

/**
 * Opens the portal link `token` (from `#/portal/<token>`): exchanges it for an access token, kept like an API key,
 * then takes it out of the address bar and history (to the endpoints, or to `#/portal` to say why it did not open).
 */
export function usePortalLink(token: string | undefined, onOpened: () => void): { opening: boolean; error?: Error } {
  const [error, setError] = useState<Error>();
  useEffect(() => {
    if (!token) return;
    exchange(token).then(
      () => {
        setError(undefined);
        window.location.replace('#/endpoints');
        onOpened();
      },
      (err: ApiError) => {
        setError(err.status === 400 || err.status === 401 ? new Error(LINK_REFUSED) : err);
        window.location.replace('#/portal');
      },
    );
    // Only a new token is a new link to open (onOpened is a new function on every render).
  }, [token]);
  return { opening: token !== undefined, error };
}
