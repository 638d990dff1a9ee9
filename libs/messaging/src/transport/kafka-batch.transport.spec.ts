import {
  BeforeApplicationShutdown,
  Controller,
  INestApplication,
  Injectable,
  Module,
  OnModuleInit,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { IsIn, IsInt } from 'class-validator';
import type { EachBatchPayload, EachMessagePayload, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import type { ConsumedRecord } from '../batch-consumer';
import type { KafkaConnection } from '../kafka-connection';
import { BatchPattern, BatchResult } from './batch-pattern.decorator';
import { KafkaBatchContext } from './kafka-batch.context';
import { KafkaBatchTransport } from './kafka-batch.transport';

const PINGS = 'test.pings.v1';
const CHANGES = 'test.changes.v1';

class PingV1 {
  @IsIn(['ping.v1'])
  schema!: 'ping.v1';

  @IsInt()
  n!: number;
}

const ping = (n: number) => JSON.stringify({ schema: 'ping.v1', n });

/** A kafkajs consumer that records what it is asked, and lets the test deliver batches and messages. */
class FakeConsumer {
  readonly events = { REBALANCING: 'rebalancing', CRASH: 'crash', GROUP_JOIN: 'group-join' };
  readonly commits: TopicPartitionOffsetAndMetadata[][] = [];
  readonly paused: string[][] = [];
  readonly resumed: string[][] = [];
  readonly seeks: Array<{ partition: number; offset: string }> = [];
  connects = 0;
  disconnects = 0;
  private readonly listeners = new Map<string, Array<(event: unknown) => void>>();
  private eachBatch?: (payload: EachBatchPayload) => Promise<void>;
  private eachMessage?: (payload: EachMessagePayload) => Promise<void>;

  constructor(
    readonly groupId: string,
    private readonly log: string[],
  ) {}

  on(event: string, listener: (event: unknown) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  emit(event: string, payload: unknown = {}) {
    for (const listener of this.listeners.get(event) ?? []) listener({ payload });
  }

  connect() {
    this.connects++;
    return Promise.resolve();
  }

  subscribe() {
    return Promise.resolve();
  }

  run(config: { eachBatch?: FakeConsumer['eachBatch']; eachMessage?: FakeConsumer['eachMessage'] }) {
    this.eachBatch = config.eachBatch;
    this.eachMessage = config.eachMessage;
    this.emit(this.events.GROUP_JOIN);
    return Promise.resolve();
  }

  seek({ partition, offset }: { partition: number; offset: string }) {
    this.seeks.push({ partition, offset });
  }

  commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]) {
    this.log.push(`commit ${offsets.map((o) => `${o.partition}@${o.offset}`).join(' ')}`);
    this.commits.push(offsets);
    return Promise.resolve();
  }

  pause(topics: Array<{ topic: string }>) {
    this.paused.push(topics.map((t) => t.topic));
  }

  resume(topics: Array<{ topic: string }>) {
    this.resumed.push(topics.map((t) => t.topic));
  }

  disconnect() {
    this.log.push(`disconnect ${this.groupId}`);
    this.disconnects++;
    return Promise.resolve();
  }

  /** Hands one batch to the consumer, as kafkajs does; resolves when the consumer has taken it. */
  deliver(topic: string, partition: number, values: Array<[offset: number, value: string]>): Promise<void> {
    const messages = values.map(([offset, value]) => ({
      offset: String(offset),
      key: null,
      value: Buffer.from(value),
      headers: { seen: `at ${offset}` },
      timestamp: '0',
      attributes: 0,
    }));
    return this.eachBatch!({
      batch: { topic, partition, messages, lastOffset: () => messages[messages.length - 1]!.offset },
      isRunning: () => true,
      isStale: () => false,
      resolveOffset: () => undefined,
      heartbeat: () => Promise.resolve(),
    } as unknown as EachBatchPayload);
  }

  deliverOne(partition: number, offset: number, value: string): Promise<void> {
    return this.eachMessage!({
      topic: CHANGES,
      partition,
      message: { offset: String(offset), value: Buffer.from(value), key: null, headers: {}, timestamp: '0' },
      heartbeat: () => Promise.resolve(),
    } as unknown as EachMessagePayload);
  }
}

function fakeKafka() {
  const log: string[] = [];
  const consumers: FakeConsumer[] = [];
  const ends = new Map<string, bigint>();
  const connection = {
    options: { clientId: 'fanout' },
    kafka: {
      consumer: ({ groupId }: { groupId: string }) => {
        const consumer = new FakeConsumer(groupId, log);
        consumers.push(consumer);
        return consumer;
      },
    },
    endOffsets: (topic: string) => Promise.resolve([{ partition: 0, offset: ends.get(topic) ?? 0n }]),
  } as unknown as KafkaConnection;
  const letters: Array<{ offset: string; reason: string }> = [];
  const deadLetters = {
    refuse: false,
    rejectRecord: (record: ConsumedRecord, reason: string) => {
      if (deadLetters.refuse) return Promise.reject(new Error('the broker is unreachable'));
      log.push(`dead-letter ${record.offset}`);
      letters.push({ offset: record.offset, reason });
      return Promise.resolve();
    },
  };
  const consumer = (group: string) => {
    const found = consumers.find((c) => c.groupId === group || c.groupId.startsWith(group));
    if (!found) throw new Error(`no consumer of group ${group}`);
    return found;
  };
  return { log, consumers, consumer, ends, connection, deadLetters, letters };
}

/** What the test's handlers do: each test sets it. */
@Injectable()
class Probe {
  constructor(readonly log: string[]) {}

  onPings: (pings: PingV1[], context: KafkaBatchContext) => BatchResult | Promise<BatchResult> = () => undefined;
  onChange: (changes: PingV1[]) => Promise<void> = () => Promise.resolve();
  onShutdown: () => void = () => undefined;
}

@Controller()
class PingsController {
  constructor(private readonly probe: Probe) {}

  @BatchPattern(PINGS, { contract: PingV1, group: 'pingers' })
  pings(@Payload() pings: PingV1[], @Ctx() context: KafkaBatchContext): BatchResult | Promise<BatchResult> {
    return this.probe.onPings(pings, context);
  }

  @BatchPattern(CHANGES, { contract: PingV1, broadcast: true })
  changes(@Payload() changes: PingV1[]): Promise<void> {
    return this.probe.onChange(changes);
  }
}

interface Harness extends ReturnType<typeof fakeKafka> {
  app: INestApplication;
  /** Starts the app as the services do: init (its hooks), then the transport (`startAllMicroservices`). */
  start: () => Promise<void>;
  transport: KafkaBatchTransport;
  probe: Probe;
}

const open: INestApplication[] = [];

async function createApp(
  controllers: Array<new (...args: never[]) => unknown> = [PingsController],
  providers: Array<new (...args: never[]) => unknown> = [],
): Promise<Harness> {
  const kafka = fakeKafka();
  const transport = new KafkaBatchTransport(kafka.connection, kafka.deadLetters, {
    topics: { [PINGS]: { partitionsConsumedConcurrently: 2 } },
  });
  const probe = new Probe(kafka.log);
  @Module({
    controllers,
    providers: [
      { provide: Probe, useValue: probe },
      { provide: KafkaBatchTransport, useValue: transport },
      ...providers,
    ],
  })
  class TestModule {}
  // A hybrid app, as the services are: Nest closes the transport after the app's shutdown hooks.
  const app = await NestFactory.create(TestModule, { logger: false });
  app.connectMicroservice({ strategy: transport });
  open.push(app);
  const start = async () => {
    await app.init();
    await app.startAllMicroservices();
  };
  return { ...kafka, app, start, transport, probe };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((app) => app.close()));
});

describe('KafkaBatchTransport (Kafka as a Nest transport, with the gateway’s batch semantics)', () => {
  it('hands a batch’s valid messages to its topic’s handler, after dead-lettering the others with the reason', async () => {
    const h = await createApp();
    const calls: Array<{ pings: PingV1[]; topic: string; partition: number; records: ConsumedRecord[] }> = [];
    h.probe.onPings = (pings, context) => {
      h.log.push('handler');
      calls.push({
        pings,
        topic: context.getTopic(),
        partition: context.getPartition(),
        records: [...context.getRecords()],
      });
    };
    await h.start();

    await h.consumer('pingers').deliver(PINGS, 1, [
      [10, ping(0)],
      [11, 'not json'],
      [12, ping(2)],
      [13, JSON.stringify({ schema: 'ping.v1', n: 'three' })],
      [14, ping(4)],
    ]);

    expect(calls).toHaveLength(1);
    expect(calls[0]!.pings).toEqual([0, 2, 4].map((n) => ({ schema: 'ping.v1', n })));
    expect(calls[0]!).toMatchObject({ topic: PINGS, partition: 1 });
    expect(calls[0]!.records.map((r) => [r.offset, r.headers['seen']])).toEqual([
      ['10', 'at 10'],
      ['12', 'at 12'],
      ['14', 'at 14'],
    ]);
    expect(h.letters).toEqual([
      { offset: '11', reason: 'not valid JSON' },
      { offset: '13', reason: 'not a ping.v1: n n must be an integer number' },
    ]);
    await h.app.close();
    expect(h.log).toEqual([
      'dead-letter 11',
      'dead-letter 13',
      'handler',
      'commit 1@15',
      'disconnect pingers',
      expect.stringMatching(/^disconnect fanout-broadcast-/),
    ]);
  });

  it('commits a batch of records that are all invalid once their dead letters are stored, without the handler', async () => {
    const h = await createApp();
    const handled: PingV1[][] = [];
    h.probe.onPings = (pings) => void handled.push(pings);
    await h.start();

    await h.consumer('pingers').deliver(PINGS, 0, [
      [0, ''],
      [1, '[]'],
    ]);
    await h.app.close();

    expect(handled).toEqual([]);
    expect(h.letters).toEqual([
      { offset: '0', reason: 'empty record' },
      { offset: '1', reason: 'not a JSON object' },
    ]);
    expect(h.consumer('pingers').commits).toEqual([[{ topic: PINGS, partition: 0, offset: '2' }]]);
  });

  it('commits past a batch answered with { durable } only once it and every earlier batch of its partition are durable', async () => {
    const h = await createApp();
    const durables = new Map<string, ReturnType<typeof deferred>>();
    h.probe.onPings = (pings, context) => {
      const durable = deferred();
      durables.set(`${context.getPartition()}:${pings[0]!.n}`, durable);
      return { durable: durable.promise };
    };
    await h.start();
    const consumer = h.consumer('pingers');

    // Both batches of each partition are taken before any is durable.
    await consumer.deliver(PINGS, 0, [[0, ping(0)]]);
    await consumer.deliver(PINGS, 0, [[1, ping(1)]]);
    await consumer.deliver(PINGS, 1, [[0, ping(0)]]);
    await consumer.deliver(PINGS, 1, [[1, ping(1)]]);
    // Partition 0: only the later batch is durable, so nothing may be committed; partition 1: the earlier one is.
    durables.get('0:1')!.resolve();
    durables.get('1:0')!.resolve();
    await h.app.close();

    expect(consumer.commits).toEqual([[{ topic: PINGS, partition: 1, offset: '1' }]]);
  });

  it('fails the batch (nothing committed, the batch comes again) when the handler throws or a dead letter cannot be stored', async () => {
    const h = await createApp();
    let calls = 0;
    h.probe.onPings = () => {
      calls++;
      throw new Error('the database is down');
    };
    await h.start();
    const consumer = h.consumer('pingers');

    // The handler's own error, not Nest's generic RPC error: the consumer's log names the cause.
    await expect(consumer.deliver(PINGS, 0, [[0, ping(0)]])).rejects.toThrow('the database is down');
    expect(calls).toBe(1);

    h.deadLetters.refuse = true;
    await expect(
      consumer.deliver(PINGS, 0, [
        [0, ping(0)],
        [1, 'not json'],
      ]),
    ).rejects.toThrow('the broker is unreachable');
    expect(calls).toBe(1);

    await h.app.close();
    expect(consumer.commits).toEqual([]);
  });

  it('refuses to start with a handler it cannot consume safely', async () => {
    @Controller()
    class WithoutContract {
      @EventPattern(PINGS)
      pings(): void {}
    }
    @Controller()
    class SharingAGroup {
      @BatchPattern(PINGS, { contract: PingV1, group: 'shared' })
      pings(): void {}

      @BatchPattern('test.other.v1', { contract: PingV1, group: 'shared' })
      other(): void {}
    }
    @Controller()
    class Twice {
      @BatchPattern(PINGS, { contract: PingV1, group: 'a' })
      one(): void {}

      @BatchPattern(PINGS, { contract: PingV1, group: 'b' })
      two(): void {}
    }
    const cases: Array<[new () => unknown, string]> = [
      [WithoutContract, `the handler of ${PINGS} is not declared with @BatchPattern`],
      [SharingAGroup, `share the consumer group shared`],
      [Twice, `${PINGS} has more than one handler`],
    ];
    for (const [controller, why] of cases) {
      const h = await createApp([controller]);
      await expect(h.start()).rejects.toThrow(why);
      // Nothing joined a group.
      expect(h.consumers.reduce((n, c) => n + c.connects, 0)).toBe(0);
    }
  });

  it('pauses a topic for back-pressure once the batch in hand is done, and resumes it', async () => {
    const h = await createApp();
    const gate = deferred();
    h.probe.onPings = () => gate.promise;
    // A shutdown during start-up: nothing is fetched yet, so there is nothing to pause.
    await h.transport.pause(PINGS);
    expect(h.consumer('pingers').paused).toEqual([]);
    await h.start();
    const consumer = h.consumer('pingers');
    const delivered = consumer.deliver(PINGS, 0, [[0, ping(0)]]);

    let paused = false;
    const pausing = h.transport.pause(PINGS).then(() => (paused = true));
    expect(consumer.paused).toEqual([[PINGS]]);
    await Promise.resolve();
    expect(paused).toBe(false);
    gate.resolve();
    await Promise.all([delivered, pausing]);
    expect(paused).toBe(true);

    h.transport.resume(PINGS);
    expect(consumer.resumed).toEqual([[PINGS]]);
  });

  it('tells its rebalancing listeners which topic’s group is rebalancing', async () => {
    const h = await createApp();
    const heard: string[] = [];
    h.transport.on('rebalancing', (topic) => heard.push(topic));
    await h.start();
    h.consumer('pingers').emit('rebalancing');
    expect(heard).toEqual([PINGS]);
  });

  it('broadcasts each record to the handler as a batch of one; calls a failing handler again until it succeeds, and caughtUp waits for that', async () => {
    // A replica starts its broadcast before it loads its rows, during the app's init: listen() comes later and must
    // not start it again.
    @Injectable()
    class Replica implements OnModuleInit {
      constructor(
        private readonly transport: KafkaBatchTransport,
        private readonly probe: Probe,
      ) {}

      async onModuleInit(): Promise<void> {
        await this.transport.startBroadcast(CHANGES);
        this.probe.log.push('replica loaded');
      }
    }
    const h = await createApp([PingsController], [Replica]);
    h.ends.set(CHANGES, 3n);
    const calls: PingV1[][] = [];
    let failures = 1;
    h.probe.onChange = (changes) => {
      calls.push(changes);
      h.log.push(`change ${changes[0]!.n} ${failures > 0 ? 'fails' : 'applied'}`);
      return failures-- > 0 ? Promise.reject(new Error('PostgreSQL is down')) : Promise.resolve();
    };
    await h.start();
    const subscriber = h.consumer('fanout-broadcast-');
    expect(subscriber.connects).toBe(1);
    // Positioned at the end offsets read before it joined.
    expect(subscriber.seeks).toEqual([{ partition: 0, offset: '3' }]);

    h.ends.set(CHANGES, 5n);
    const caughtUp = h.transport.caughtUp(CHANGES, 5000).then(() => h.log.push('caught up'));
    // An invalid record is skipped (every instance reads it: no dead letter), then the change is applied.
    await subscriber.deliverOne(0, 3, 'not json');
    await subscriber.deliverOne(0, 4, ping(7));
    await caughtUp;

    expect(calls).toEqual([[{ schema: 'ping.v1', n: 7 }], [{ schema: 'ping.v1', n: 7 }]]);
    expect(h.letters).toEqual([]);
    expect(h.log).toEqual(['replica loaded', 'change 7 fails', 'change 7 applied', 'caught up']);
  });

  it('answers caughtUp with a mark of the end it waited for, which covers says this replica has passed or not', async () => {
    const h = await createApp();
    h.ends.set(CHANGES, 3n);
    h.probe.onChange = () => Promise.resolve();
    await h.start();
    const subscriber = h.consumer('fanout-broadcast-');
    expect(await h.transport.caughtUp(CHANGES, 5000)).toBe('0:3');
    expect(h.transport.covers(CHANGES, '0:3')).toBe(true);
    // Another instance decided an event after the change at offset 3: not applied here yet.
    expect(h.transport.covers(CHANGES, '0:4')).toBe(false);
    await subscriber.deliverOne(0, 3, ping(1));
    expect(h.transport.covers(CHANGES, '0:4')).toBe(true);
    // A mark of a partition this replica has never read, or one it cannot read, is not covered.
    expect(h.transport.covers(CHANGES, '0:4,1:1')).toBe(false);
    for (const unreadable of ['', '0', '0:x', '0:4;', ' 0:4'])
      expect(h.transport.covers(CHANGES, unreadable)).toBe(false);
  });

  it('reports health per topic: not before listen(), while consuming, not once stopped', async () => {
    const h = await createApp();
    expect(h.transport.isHealthy()).toBe(false);
    await h.start();
    expect([h.transport.isHealthy(), h.transport.isHealthy(PINGS), h.transport.isHealthy(CHANGES)]).toEqual([
      true,
      true,
      true,
    ]);
    await h.transport.stop(PINGS);
    expect([h.transport.isHealthy(), h.transport.isHealthy(PINGS), h.transport.isHealthy(CHANGES)]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('lets the service stop a topic in its own shutdown order; close() then stops only the rest, groups before broadcasts', async () => {
    @Injectable()
    class Lifecycle implements BeforeApplicationShutdown {
      constructor(
        private readonly transport: KafkaBatchTransport,
        private readonly probe: Probe,
      ) {}

      async beforeApplicationShutdown(): Promise<void> {
        const log = this.probe.log;
        log.push('pausing');
        this.probe.onShutdown();
        await this.transport.pause(PINGS);
        log.push('handing back, writing outcomes');
        await this.transport.stop(PINGS, 0);
        log.push('releasing leases');
      }
    }
    const h = await createApp([PingsController], [Lifecycle]);
    const gate = deferred();
    h.probe.onPings = async () => {
      await gate.promise;
      h.log.push('batch handled');
    };
    await h.start();
    const delivered = h.consumer('pingers').deliver(PINGS, 0, [[0, ping(0)]]);

    const shuttingDown = deferred();
    h.probe.onShutdown = shuttingDown.resolve;
    const closed = h.app.close();
    // The batch in hand finishes only once the shutdown has begun: pausing must wait for it.
    await shuttingDown.promise;
    gate.resolve();
    await Promise.all([delivered, closed]);

    expect(h.log).toEqual([
      'pausing',
      'batch handled',
      'handing back, writing outcomes',
      'commit 0@1',
      'disconnect pingers',
      'releasing leases',
      expect.stringMatching(/^disconnect fanout-broadcast-/),
    ]);
    expect(h.consumer('pingers').disconnects).toBe(1);
  });
});
