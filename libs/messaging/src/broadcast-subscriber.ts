import { randomUUID } from 'node:crypto';
import { Consumer } from 'kafkajs';
import { withTimeout, KafkaConnection } from './kafka-connection';

/**
 * Every instance receives every record (its own throwaway consumer group, starting at the latest offset):
 * used for configuration changes, which each instance applies to its in-memory cache.
 */
export class BroadcastSubscriber {
  private readonly consumer: Consumer;
  private joined = false;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly topic: string,
    private readonly onMessage: (value: Buffer | null) => Promise<void>,
  ) {
    this.consumer = connection.kafka.consumer({
      groupId: `${connection.options.clientId}-broadcast-${randomUUID()}`,
      // A fetch returns as soon as a record arrives; the wait only bounds idle polling (10 fetches/s at 100 ms cost the
      // broker more CPU than anything else in an idle gateway).
      maxWaitTimeInMs: 1000,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
  }

  get healthy(): boolean {
    return this.joined;
  }

  /**
   * Resolves once the consumer has joined and is positioned at the end offsets taken *before* it joined: every
   * record published after start() began is consumed. (A fresh group's "latest" is resolved only after the join,
   * so relying on it would skip records published in between — a change could be missed at start-up.)
   */
  async start(timeoutMs = 30_000): Promise<void> {
    const admin = this.connection.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(this.topic).finally(() => admin.disconnect());
    const joined = new Promise<void>((resolve) => {
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve());
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => this.onMessage(message.value),
    });
    await withTimeout(joined, timeoutMs, `could not join a consumer group for ${this.topic} within ${timeoutMs} ms`);
    for (const { partition, offset } of ends) this.consumer.seek({ topic: this.topic, partition, offset });
    this.joined = true;
  }

  async stop(): Promise<void> {
    this.joined = false;
    await this.consumer.disconnect();
  }
}
