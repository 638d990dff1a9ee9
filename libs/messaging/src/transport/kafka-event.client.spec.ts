import type { ProducerBatch } from 'kafkajs';
import { lastValueFrom, of, throwError } from 'rxjs';
import type { KafkaConnection } from '../kafka-connection';
import { MessageProducer } from '../message-producer';
import { KafkaEventClient, acknowledged } from './kafka-event.client';

/** A kafkajs producer that records each request and answers (or refuses) it when told to. */
function fakeBroker() {
  const requests: Array<{ batch: ProducerBatch; answer: () => void; refuse: (err: Error) => void }> = [];
  const producer = {
    events: { CONNECT: 'connect', DISCONNECT: 'disconnect' },
    on: () => undefined,
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    sendBatch: (batch: ProducerBatch) =>
      new Promise<void>((answer, refuse) => requests.push({ batch, answer: () => answer(), refuse })),
  };
  const connection = { kafka: { producer: () => producer } } as unknown as KafkaConnection;
  return { client: new KafkaEventClient(new MessageProducer(connection)), requests };
}

/** Resolves with whether the promise has settled by the time the work queued so far has run. */
async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return settled;
}

describe('KafkaEventClient (the ClientProxy services publish through)', () => {
  it('completes emit() only once the broker has acknowledged the record, sent with acks=all', async () => {
    const { client, requests } = fakeBroker();
    const emitted = lastValueFrom(client.emit('gateway.events.v1', { key: 'src_1', value: '{"id":1}' }), {
      defaultValue: undefined,
    });

    expect(await settledYet(emitted)).toBe(false);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.batch.acks).toBe(-1);
    expect(requests[0]!.batch.topicMessages).toEqual([
      { topic: 'gateway.events.v1', messages: [{ key: 'src_1', value: '{"id":1}', headers: undefined }] },
    ]);
    requests[0]!.answer();
    await expect(emitted).resolves.toBeUndefined();
  });

  it('sends at once, without a subscriber, and still tells a subscriber that comes after the ack', async () => {
    const { client, requests } = fakeBroker();
    const emitted = client.emit('gateway.events.v1', { value: 'x' });
    expect(requests).toHaveLength(1);
    requests[0]!.answer();
    await Promise.resolve();
    await expect(lastValueFrom(emitted, { defaultValue: 'none' })).resolves.toBeUndefined();
  });

  it('sends several records of one emit() in one request, and fails emit() when the broker refuses them', async () => {
    const { client, requests } = fakeBroker();
    const emitted = lastValueFrom(
      client.emit('gateway.config-changes.v1', [
        { key: 'a', value: 'one' },
        { key: 'b', value: Buffer.from('two') },
      ]),
    );
    await settledYet(emitted);
    expect(requests.map((r) => r.batch.topicMessages?.[0]?.messages.length)).toEqual([2]);
    requests[0]!.refuse(new Error('NOT_ENOUGH_REPLICAS'));
    await expect(emitted).rejects.toThrow('NOT_ENOUGH_REPLICAS');
  });

  it('refuses send(): this transport carries events, with no answer to wait for', async () => {
    const { client, requests } = fakeBroker();
    await expect(lastValueFrom(client.send('gateway.events.v1', { value: 'x' }))).rejects.toThrow(
      'there is no request/response',
    );
    expect(requests).toHaveLength(0);
  });

  it('refuses what is not a record, sending nothing', async () => {
    const { client, requests } = fakeBroker();
    await expect(lastValueFrom(client.emit('gateway.events.v1', { id: 'evt_1' }))).rejects.toThrow(
      'takes a record { key?, value: string | Buffer, headers? }',
    );
    await expect(lastValueFrom(client.emit('gateway.events.v1', []))).rejects.toThrow('takes a record');
    await expect(lastValueFrom(client.emit({ cmd: 'x' }, { value: 'x' }))).rejects.toThrow('topic name');
    expect(requests).toHaveLength(0);
  });

  it('acknowledged() resolves only once the broker has acknowledged, and rejects with its refusal', async () => {
    const { client, requests } = fakeBroker();
    const first = acknowledged(client.emit('gateway.events.v1', { value: 'one' }));
    expect(await settledYet(first)).toBe(false);
    requests[0]!.answer();
    await expect(first).resolves.toBeUndefined();

    const second = acknowledged(client.emit('gateway.events.v1', { value: 'two' }));
    await settledYet(second);
    requests[1]!.refuse(new Error('NOT_LEADER_OR_FOLLOWER'));
    await expect(second).rejects.toThrow('NOT_LEADER_OR_FOLLOWER');
    // Any other client's observable is awaited to its end.
    await expect(acknowledged(of(1, 2))).resolves.toBeUndefined();
    await expect(acknowledged(throwError(() => new Error('refused')))).rejects.toThrow('refused');
  });
});
