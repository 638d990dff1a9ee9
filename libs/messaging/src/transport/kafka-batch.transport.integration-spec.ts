import {
  BeforeApplicationShutdown,
  Controller,
  Get,
  INestApplication,
  Injectable,
  Module,
  Provider,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { IsIn, IsInt } from 'class-validator';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { lastValueFrom } from 'rxjs';
import { DeadLetterV1, Topics } from '@gateway/contracts';
import { testInfra } from '@gateway/testing';
import { KafkaConnection, waitForLeaders } from '../kafka-connection';
import { MessagingModule } from '../messaging.module';
import { BatchPattern, BatchResult } from './batch-pattern.decorator';
import { KafkaBatchContext } from './kafka-batch.context';
import { KafkaBatchTransport } from './kafka-batch.transport';
import { KafkaEventClient } from './kafka-event.client';
import { KAFKA_EVENT_CLIENT } from './kafka-transport.constants';
import { KafkaTransportModule } from './kafka-transport.module';

const RUN = randomUUID();
const PINGS = `it.transport.pings.${RUN}`;
const CHANGES = `it.transport.changes.${RUN}`;
const DRAIN = `it.transport.drain.${RUN}`;

class PingV1 {
  @IsIn(['ping.v1'])
  schema!: 'ping.v1';

  @IsInt()
  n!: number;
}

const ping = (n: number) => JSON.stringify({ schema: 'ping.v1', n });

/** A list that tests wait on: `until` resolves as soon as the condition holds, or fails after a bounded time. */
class Observed<T> {
  readonly items: T[] = [];
  private readonly checks = new Set<() => void>();

  push(...items: T[]): void {
    this.items.push(...items);
    for (const check of [...this.checks]) check();
  }

  until(what: string, condition: (items: T[]) => boolean, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; have ${JSON.stringify(this.items)}`));
      }, timeoutMs);
      const check = () => {
        if (!condition(this.items)) return;
        clearTimeout(timer);
        this.checks.delete(check);
        resolve();
      };
      this.checks.add(check);
      check();
    });
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** What one app instance's handlers saw, and how they answer. */
class Recorder {
  readonly batches = new Observed<{ offsets: string[]; pings: number[] }>();
  readonly changes = new Observed<number>();
  readonly log = new Observed<string>();
  /** When set, a pings batch answers `{ durable }`, durable once the test resolves it. */
  holdDurable = false;
  readonly durables: Array<ReturnType<typeof deferred>> = [];
  drainGate = deferred();
}

@Controller()
class PingsController {
  constructor(private readonly recorder: Recorder) {}

  @BatchPattern(PINGS, { contract: PingV1, group: `it-transport-pings-${RUN}` })
  pings(@Payload() pings: PingV1[], @Ctx() context: KafkaBatchContext): BatchResult {
    this.recorder.batches.push({ offsets: context.getRecords().map((r) => r.offset), pings: pings.map((p) => p.n) });
    if (!this.recorder.holdDurable) return;
    const durable = deferred();
    this.recorder.durables.push(durable);
    return { durable: durable.promise };
  }
}

@Controller()
class ChangesController {
  constructor(private readonly recorder: Recorder) {}

  @BatchPattern(CHANGES, { contract: PingV1, broadcast: true })
  changes(@Payload() changes: PingV1[]): void {
    this.recorder.changes.push(...changes.map((c) => c.n));
  }
}

@Controller()
class DrainController {
  constructor(private readonly recorder: Recorder) {}

  @BatchPattern(DRAIN, { contract: PingV1, group: `it-transport-drain-${RUN}` })
  async drain(@Payload() pings: PingV1[]): Promise<void> {
    this.recorder.log.push(`batch of ${pings.length} taken`);
    await this.recorder.drainGate.promise;
    this.recorder.log.push('batch handled');
  }
}

/** The readiness probe of a service, reduced to the transport's part. */
@Controller('health')
class HealthController {
  constructor(private readonly transport: KafkaBatchTransport) {}

  @Get('ready')
  ready(): { kafka: boolean } {
    return { kafka: this.transport.isHealthy() };
  }
}

/** A service's shutdown order, as fan-out's: stop taking batches, finish the work in hand, then commit and leave. */
@Injectable()
class DrainLifecycle implements BeforeApplicationShutdown {
  constructor(
    private readonly transport: KafkaBatchTransport,
    private readonly recorder: Recorder,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    this.recorder.log.push('pausing');
    await this.transport.pause(DRAIN);
    this.recorder.log.push('paused');
    await this.transport.stop(DRAIN);
    this.recorder.log.push('committed and left');
  }
}

const brokers = () => testInfra().kafkaBrokers.split(',');

/** A hybrid app as the services will be: HTTP first, then the Kafka transport. */
async function startApp(
  recorder: Recorder,
  controllers: Array<Type<unknown>>,
  providers: Provider[] = [],
): Promise<{
  app: INestApplication;
  url: string;
  transport: KafkaBatchTransport;
  startConsuming: () => Promise<void>;
}> {
  @Module({
    imports: [MessagingModule.forRoot({ clientId: 'fanout', brokers: brokers() }), KafkaTransportModule.forRoot()],
    controllers: [...controllers, HealthController],
    providers: [{ provide: Recorder, useValue: recorder }, ...providers],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  const transport = app.get(KafkaBatchTransport);
  app.connectMicroservice({ strategy: transport });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return { app, url, transport, startConsuming: () => app.startAllMicroservices().then(() => undefined) };
}

describe('KafkaBatchTransport in a hybrid Nest app, on a real broker', () => {
  jest.setTimeout(120_000);
  let connection: KafkaConnection;
  let admin: Admin;
  let producer: Producer;
  const apps: INestApplication[] = [];

  const committed = async (groupId: string, topic: string) => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets!.partitions.map((p) => p.offset);
  };
  const endOffset = async (topic: string) => (await admin.fetchTopicOffsets(topic))[0]!.high;

  beforeAll(async () => {
    connection = new KafkaConnection({ clientId: 'transport-integration', brokers: brokers() });
    await connection.ensureTopics();
    admin = connection.kafka.admin();
    await admin.connect();
    const topics = [PINGS, CHANGES, DRAIN];
    // kafkajs's own wait gives up on a fresh broker's first "does not host this topic-partition"; ours retries it.
    await admin.createTopics({
      waitForLeaders: false,
      topics: topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    });
    await waitForLeaders(admin, topics);
    producer = connection.kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.allSettled(apps.map((app) => app.close()));
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [PINGS, CHANGES, DRAIN] }).catch(() => undefined);
    await admin?.disconnect();
    await connection?.close();
  });

  it('hands batches to the handler, dead-letters invalid records with the reason, and commits only what is durable: a restart loses and repeats nothing', async () => {
    const letters = new Observed<DeadLetterV1>();
    const deadLetterReader: Consumer = connection.kafka.consumer({ groupId: `it-transport-dlt-${RUN}` });
    await deadLetterReader.connect();
    await deadLetterReader.subscribe({ topic: Topics.deadLetter, fromBeginning: true });
    await deadLetterReader.run({
      eachMessage: ({ message }) => {
        const letter = JSON.parse(message.value!.toString('utf8')) as DeadLetterV1;
        if (letter.source?.topic === PINGS) letters.push(letter);
        return Promise.resolve();
      },
    });

    try {
      const first = new Recorder();
      first.holdDurable = true;
      const a = await startApp(first, [PingsController]);
      apps.push(a.app);
      // Ready only once the transport consumes.
      expect(await (await fetch(`${a.url}/health/ready`)).json()).toEqual({ kafka: false });
      await a.startConsuming();
      expect(await (await fetch(`${a.url}/health/ready`)).json()).toEqual({ kafka: true });

      // Offsets 0–9 in one request, two of them not the contract.
      const records = [...Array(10).keys()].map((n) => ({
        value: n === 3 ? 'not json' : n === 6 ? JSON.stringify({ schema: 'ping.v1', n: 'six' }) : ping(n),
      }));
      await producer.send({ topic: PINGS, messages: records });
      await first.batches.until('offsets 0–9', (b) => b.some((x) => x.offsets.includes('9')));
      expect(first.batches.items).toEqual([
        { offsets: ['0', '1', '2', '4', '5', '7', '8', '9'], pings: [0, 1, 2, 4, 5, 7, 8, 9] },
      ]);

      // The next batch is taken although the first is not durable yet.
      await producer.send({ topic: PINGS, messages: [...Array(10).keys()].map((i) => ({ value: ping(10 + i) })) });
      await first.batches.until('offsets 10–19', (b) => b.some((x) => x.offsets.includes('19')));
      expect(first.durables).toHaveLength(2);

      // Only the first batch becomes durable; the instance stops (the second is still in its hands).
      first.durables[0]!.resolve();
      await a.app.close();
      expect(await committed(`it-transport-pings-${RUN}`, PINGS)).toEqual(['10']);

      // Records published while no instance runs.
      await producer.send({ topic: PINGS, messages: [...Array(10).keys()].map((i) => ({ value: ping(20 + i) })) });

      const second = new Recorder();
      const b = await startApp(second, [PingsController]);
      apps.push(b.app);
      await b.startConsuming();
      await second.batches.until('offsets 10–29', (x) => x.some((batch) => batch.offsets.includes('29')));
      // From the commit on: the batch that was not durable again, none of the first batch, nothing skipped.
      const offsets = second.batches.items.flatMap((x) => x.offsets);
      expect(offsets).toEqual([...Array(20).keys()].map((i) => String(10 + i)));
      expect(second.batches.items.flatMap((x) => x.pings)).toEqual([...Array(20).keys()].map((i) => 10 + i));
      await b.app.close();
      expect(await committed(`it-transport-pings-${RUN}`, PINGS)).toEqual(['30']);

      await letters.until('two dead letters', (l) => l.length >= 2);
      expect(
        letters.items.map((l) => ({
          origin: l.origin,
          offset: l.source?.offset,
          reason: l.reason,
          payload: l.payload,
        })),
      ).toEqual([
        { origin: 'fanout', offset: '3', reason: 'not valid JSON', payload: 'not json' },
        {
          origin: 'fanout',
          offset: '6',
          reason: 'not a ping.v1: n n must be an integer number',
          payload: JSON.stringify({ schema: 'ping.v1', n: 'six' }),
        },
      ]);
    } finally {
      await deadLetterReader.disconnect();
    }
  });

  it('calls a broadcast handler on each of two instances; emit() completes once the broker has the record', async () => {
    const recorders = [new Recorder(), new Recorder()];
    const instances = [];
    for (const recorder of recorders) {
      const instance = await startApp(recorder, [ChangesController]);
      apps.push(instance.app);
      await instance.startConsuming();
      instances.push(instance);
    }

    const client = instances[0]!.app.get<KafkaEventClient>(KAFKA_EVENT_CLIENT);
    const before = BigInt(await endOffset(CHANGES));
    await lastValueFrom(client.emit(CHANGES, { key: 'change', value: ping(42) }), { defaultValue: undefined });
    // Acknowledged with acks=all: the record is below the high watermark (readable by every consumer) already.
    expect(BigInt(await endOffset(CHANGES))).toBe(before + 1n);

    for (const recorder of recorders) await recorder.changes.until('change 42', (c) => c.includes(42));
    for (const { transport } of instances) await transport.caughtUp(CHANGES, 10_000);
    expect(recorders.map((r) => r.changes.items)).toEqual([[42], [42]]);

    await Promise.all(instances.map(({ app }) => app.close()));
  });

  it('drains on close in the order the service’s shutdown hook sets: the batch in hand finishes, then its offset is committed', async () => {
    const recorder = new Recorder();
    const instance = await startApp(recorder, [DrainController], [DrainLifecycle]);
    apps.push(instance.app);
    await instance.startConsuming();

    await producer.send({ topic: DRAIN, messages: [0, 1, 2].map((n) => ({ value: ping(n) })) });
    await recorder.log.until('the batch taken', (l) => l.includes('batch of 3 taken'));
    const closed = instance.app.close();
    await recorder.log.until('the shutdown hook', (l) => l.includes('pausing'));
    recorder.drainGate.resolve();
    await closed;

    expect(recorder.log.items).toEqual([
      'batch of 3 taken',
      'pausing',
      'batch handled',
      'paused',
      'committed and left',
    ]);
    expect(await committed(`it-transport-drain-${RUN}`, DRAIN)).toEqual(['3']);
    expect(instance.transport.isHealthy()).toBe(false);
  });
});
