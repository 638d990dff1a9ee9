import { createHmac, randomBytes } from 'node:crypto';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, ServiceName, eventually, sendKaynko } from '@gateway/testing';

const SECRET = 'observability-shop-secret';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
}

/** Every span an OTLP/HTTP (JSON) export request carried, with the service that sent it. */
function spansOf(collector: Receiver): OtlpSpan[] {
  return collector.requests.flatMap((req) => {
    const body = JSON.parse(req.body.toString()) as {
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
        scopeSpans: Array<{ spans: Array<Omit<OtlpSpan, 'service'>> }>;
      }>;
    };
    return body.resourceSpans.flatMap((rs) => {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
      return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, service })));
    });
  });
}

function jsonLines(gateway: GatewayProcesses, name: ServiceName): Array<Record<string, unknown>> {
  return gateway.services
    .get(name)!
    .logs.join('')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`${name} wrote a log line that is not JSON: ${line}`);
      }
    });
}

/**
 * OpenTelemetry on (OTEL_EXPORTER_OTLP_ENDPOINT, as a platform team sets it) and debug logs: one Kaynko sale from
 * a provider that sends its own traceparent must be one trace from the provider's request to the subscriber, and
 * every log line must be structured JSON carrying the event, tenant and trace ids — and no secret.
 */
describe('traces and structured logs (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(120_000);
  const collector = new Receiver();
  const receiver = new Receiver();
  let gateway: GatewayProcesses;

  beforeAll(async () => {
    await Promise.all([collector.start(), receiver.start()]);
    collector.behaviour = (_, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    gateway = new GatewayProcesses({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url(''),
      OTEL_BSP_SCHEDULE_DELAY: '100',
      LOG_LEVEL: 'debug',
    });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([collector.stop(), receiver.stop()]);
  });

  it('carries one trace from the provider request through Kafka to the subscriber, and logs it as JSON', async () => {
    const { key, tenantId } = await gateway.tenantWithKey('Traced shop');
    const shop = await gateway.kaynkoShop(key, { secret: SECRET, endpointUrl: receiver.url() });

    const traceId = randomBytes(16).toString('hex');
    const providerSpanId = randomBytes(8).toString('hex');
    const body = JSON.stringify(KAYNKO_EXAMPLES['sale.completed']);
    const accepted = await sendKaynko(shop.ingestUrl, SECRET, body, {
      headers: { traceparent: `00-${traceId}-${providerSpanId}-01` },
    });
    expect(accepted.status).toBe(202);
    const eventId = accepted.body.id as string;

    // The subscriber is told which trace (and which attempt's span) its delivery belongs to.
    const [delivery] = await receiver.waitFor(1);
    const [, deliveredTrace, deliverySpanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(
      delivery!.headers['traceparent'] ?? '',
    )!;
    expect(deliveredTrace).toBe(traceId);

    // The collector has the chain: provider's span → ingest (server) → fan-out's attempt (client).
    const spans = await eventually(() => {
      const ours = spansOf(collector).filter((s) => s.traceId === traceId);
      const complete = ours.some((s) => s.service === 'fanout') && ours.some((s) => s.service === 'ingest');
      return Promise.resolve(complete ? ours : undefined);
    }, 20_000);
    const ingestSpan = spans.find((s) => s.service === 'ingest')!;
    const fanoutSpan = spans.find((s) => s.service === 'fanout')!;
    expect(ingestSpan).toMatchObject({ name: 'ingest kaynko', kind: 2, parentSpanId: providerSpanId });
    expect(fanoutSpan).toMatchObject({
      name: 'deliver kaynko.sale.completed',
      kind: 3,
      parentSpanId: ingestSpan.spanId,
      spanId: deliverySpanId,
    });

    // Structured logs: every line of every service is JSON with level, time, service and message…
    const lines = Object.fromEntries(
      (['admin-api', 'ingest', 'fanout', 'qerko-bridge'] as const).map((name) => [name, jsonLines(gateway, name)]),
    );
    for (const [name, serviceLines] of Object.entries(lines)) {
      expect(serviceLines.length).toBeGreaterThan(0);
      for (const line of serviceLines) {
        expect(line).toEqual(
          expect.objectContaining({ service: name, level: expect.any(String), time: expect.any(String) }),
        );
        expect(typeof line['msg']).toBe('string');
      }
    }
    // …and the lines about this event name it, its tenant and its trace.
    expect(lines['ingest']).toContainEqual(
      expect.objectContaining({ msg: 'accepted kaynko.sale.completed', eventId, tenantId, traceId }),
    );
    expect(lines['fanout']).toContainEqual(
      expect.objectContaining({ msg: 'attempt 1: succeeded (200)', eventId, tenantId, traceId }),
    );

    // No secret, key or signature in any line.
    const all = [...gateway.services.values()].map((s) => s.logs.join('')).join('\n');
    const signature = createHmac('sha256', SECRET).update(body).digest('hex');
    for (const secret of [SECRET, key, gateway.operatorKey, gateway.encryptionKey, signature]) {
      expect(all).not.toContain(secret);
    }
  });
});
