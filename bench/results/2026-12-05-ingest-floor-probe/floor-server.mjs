// The least an ingest could do per request on this stack, in three steps (argv[2]):
//   bare    read the body, answer 202 (the benchmark's bare server, with ingest's request);
//   verify  + the Kaynko HMAC checked in constant time, the JSON parsed, a canonical event built and serialised;
//   kafka   + that record produced with kafkajs as ingest produces it (idempotent, acks=all, concurrent sends batched
//           while one request is in flight, keyed by source), answered 202 once acknowledged.
// Prints its port on the IPC channel.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { Kafka, logLevel } from 'kafkajs';

const [mode, brokers, topic, secret] = process.argv.slice(2);

let produce = async () => {};
if (mode === 'kafka') {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const kafka = new Kafka({ clientId: 'floor', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  let queue = [];
  let inFlight = false;
  const sendQueued = () => {
    if (inFlight || !queue.length) return;
    const batch = queue.splice(0, 1000);
    inFlight = true;
    producer
      .sendBatch({ acks: -1, topicMessages: [{ topic, messages: batch.map((b) => b.message) }] })
      .then(() => batch.forEach((b) => b.resolve()), (err) => batch.forEach((b) => b.reject(err)))
      .finally(() => {
        inFlight = false;
        sendQueued();
      });
  };
  produce = (message) =>
    new Promise((resolve, reject) => {
      queue.push({ message, resolve, reject });
      sendQueued();
    });
}

let seq = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (mode === 'bare') return res.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"evt_floor"}');
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const given = Buffer.from(String(req.headers['x-kaynko-signature'] ?? '').replace(/^sha256=/, ''), 'hex');
    const expected = createHmac('sha256', secret).update(body).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return res.writeHead(401).end('{"error":"signature"}');
    const parsed = JSON.parse(body.toString('utf8'));
    const id = `evt_${randomBytes(13).toString('hex')}`;
    const value = JSON.stringify({
      schema: 'canonical-event.v1',
      id,
      type: `kaynko.${parsed.event}`,
      provider: 'kaynko',
      sourceId: 'src_floor',
      tenantId: 'ten_floor',
      receivedAt: new Date().toISOString(),
      occurredAt: parsed.timestamp ?? null,
      data: parsed.data,
    });
    seq++;
    produce({ key: 'src_floor', value }).then(
      () => res.writeHead(202, { 'content-type': 'application/json' }).end(`{"id":"${id}"}`),
      () => res.writeHead(503).end('{"error":"kafka"}'),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
