/**
 * What a partner writes with a client generated from the admin API's OpenAPI document (openapi-typescript types,
 * openapi-fetch calls): every request and answer below is typed by the spec alone. test/e2e/typed-client generates
 * `generated/admin-api.d.ts` from the running API's /docs-json, type-checks this file against it (strict), then runs it.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/admin-api';

type Schemas = components['schemas'];

export interface PartnerWorld {
  adminUrl: string;
  operatorKey: string;
  /** An http://127.0.0.1 receiver the stack may deliver to. */
  receiverUrl: string;
  /** Sends one signed Kaynko sale to a source's ingest URL, as Kaynko does. */
  sendSale(ingestUrl: string, secret: string): Promise<void>;
}

export interface PartnerOutcome {
  tenant: Schemas['TenantResponse'];
  endpoint: Schemas['EndpointWithSecretResponse'];
  delivery: Schemas['DeliveryDetailResponse'];
  retried: Schemas['DeliveryResponse'];
  replay: Schemas['ReplayResponse'];
  csv: string;
  notFound: Schemas['ErrorResponse'];
  invalid: Schemas['ErrorResponse'];
}

/** The answer's typed body, or an error naming the status and the typed error body. */
function must<T>(result: { data?: T; error?: Schemas['ErrorResponse'] | unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${result.response.url} answered ${result.response.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

/** Asks `probe` until it answers, as a partner's integration waits for asynchronous work: at most `seconds`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} after ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function partnerScenario(world: PartnerWorld): Promise<PartnerOutcome> {
  const operator = createClient<paths>({
    baseUrl: world.adminUrl,
    headers: { authorization: `Bearer ${world.operatorKey}` },
  });
  const tenant = must(await operator.POST('/v1/tenants', { body: { name: 'Partner Shop' } }));
  const apiKey = must(
    await operator.POST('/v1/tenants/{tenantId}/api-keys', {
      params: { path: { tenantId: tenant.id } },
      body: {
        name: 'partner integration',
        scopes: [
          'sources:write',
          'endpoints:read',
          'endpoints:write',
          'events:read',
          'deliveries:read',
          'deliveries:write',
        ],
      },
    }),
  );
  const api = createClient<paths>({ baseUrl: world.adminUrl, headers: { authorization: `Bearer ${apiKey.key}` } });

  const secret = 'partner-kaynko-secret';
  const source = must(
    await api.POST('/v1/sources', {
      body: { provider: 'kaynko', name: 'Shop 1', secret },
      headers: { 'Idempotency-Key': `source-${tenant.id}` },
    }),
  );
  const endpoint = must(
    await api.POST('/v1/endpoints', { body: { url: world.receiverUrl, eventTypes: ['kaynko.sale.*'] } }),
  );
  await world.sendSale(source.ingestUrl, secret);

  const delivered = await waitFor('succeeded delivery', async () => {
    const page = must(await api.GET('/v1/deliveries', { params: { query: { endpointId: endpoint.id, limit: 10 } } }));
    return page.data.find((d) => d.status === 'succeeded');
  });
  const delivery = must(await api.GET('/v1/deliveries/{id}', { params: { path: { id: delivered.id } } }));
  const firstAttempt = delivery.attempts[0];
  if (delivery.attempts.length !== delivery.attemptCount || firstAttempt?.statusCode !== 200) {
    throw new Error(
      `attempts do not match attemptCount ${delivery.attemptCount}: ${JSON.stringify(delivery.attempts)}`,
    );
  }
  const retried = must(await api.POST('/v1/deliveries/{id}/retry', { params: { path: { id: delivery.id } } }));

  const replayed = must(
    await api.POST('/v1/endpoints/{id}/replay', {
      params: { path: { id: endpoint.id } },
      body: { since: new Date(Date.now() - 3_600_000).toISOString(), eventTypes: ['kaynko.sale.*'] },
    }),
  );
  const replay = await waitFor('completed replay', async () => {
    const current = must(await api.GET('/v1/replays/{id}', { params: { path: { id: replayed.id } } }));
    return current.status === 'completed' ? current : undefined;
  });

  const csv = must(await api.GET('/v1/events/export.csv', { params: { query: {} }, parseAs: 'text' }));

  // Errors are typed too: the one error shape, with its code and each invalid field.
  const missing = await api.GET('/v1/endpoints/{id}', { params: { path: { id: 'ep_0000000000000000000000000' } } });
  const refused = await api.POST('/v1/endpoints', { body: { url: 'ftp://nowhere', eventTypes: [] } });
  if (!missing.error || !refused.error) throw new Error('an invalid request was accepted');
  return { tenant, endpoint, delivery, retried, replay, csv, notFound: missing.error, invalid: refused.error };
}
