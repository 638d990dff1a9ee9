import type { Admin, Kafka } from 'kafkajs';

/** How long the partition metadata is trusted: a moved leader refreshes it at once (a retriable error). */
const METADATA_MAX_AGE_MS = 30_000;

/**
 * The end offsets (high watermarks) of a topic in one ListOffsets request per partition leader. These reads are on
 * the path of every provider request (the configuration barrier, `BroadcastSubscriber.caughtUp`, waits for one before
 * a request is decided), and kafkajs's `admin.fetchTopicOffsets` made three round trips of each: the cluster
 * metadata (an admin client's metadata never stays fresh: its maximum age is 0), then the latest offsets, then the
 * earliest ones, which nothing here uses.
 *
 * It reads through a kafkajs cluster of its own, made by the client's own factory (the same brokers, TLS, SASL,
 * timeouts and retry settings), with kafkajs's own metadata and leader handling, the metadata kept for
 * METADATA_MAX_AGE_MS. The factory is a private member of kafkajs 2.2.4 (pinned: the library is in maintenance
 * mode, see `kafkajs-request-queue.ts`); without it (another version), the admin's requests are used, and
 * `kafkajs-end-offsets.integration-spec.ts` fails so that it is noticed.
 */
export class EndOffsetsReader {
  private readonly cluster: KafkajsCluster | null;
  private connecting: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly admin: () => Promise<Admin>,
  ) {
    this.cluster = ownCluster(kafka);
  }

  /** True when the one-request path is in use (the pinned kafkajs). */
  get direct(): boolean {
    return this.cluster !== null;
  }

  async read(topic: string): Promise<Array<{ partition: number; offset: bigint }>> {
    const cluster = this.cluster;
    if (!cluster) {
      const offsets = await (await this.admin()).fetchTopicOffsets(topic);
      return offsets.map(({ partition, high }) => ({ partition, offset: BigInt(high) }));
    }
    await this.connect(cluster);
    // As the admin does: a retriable error (a leader moved, a topic the metadata does not know yet) refreshes the
    // metadata and asks once more; anything else, or a second failure, goes to the caller, whose wait is bounded.
    for (let attempt = 1; ; attempt++) {
      try {
        await cluster.addTargetTopic(topic);
        await cluster.refreshMetadataIfNecessary();
        const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => ({ partition: p.partitionId }));
        const [found] = await cluster.fetchTopicsOffset([{ topic, fromBeginning: false, partitions }]);
        return (found?.partitions ?? []).map(({ partition, offset }) => ({ partition, offset: BigInt(offset) }));
      } catch (err) {
        if (attempt >= 2 || (err as { retriable?: boolean }).retriable !== true) throw err;
        await cluster.refreshMetadata().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = null;
    if (connecting && this.cluster) {
      await connecting.catch(() => undefined);
      await this.cluster.disconnect().catch(() => undefined);
    }
  }

  private connect(cluster: KafkajsCluster): Promise<void> {
    this.connecting ??= cluster.connect().catch((err: Error) => {
      this.connecting = null;
      throw err;
    });
    return this.connecting;
  }
}

/** The part of kafkajs's internal Cluster this uses (kafkajs/src/cluster/index.js, 2.2.4). */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number }>;
  fetchTopicsOffset(
    topics: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

type ClusterFactory = (options: { allowAutoTopicCreation: boolean; metadataMaxAge: number }) => KafkajsCluster;

function ownCluster(kafka: Kafka): KafkajsCluster | null {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = key === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[key];
  return typeof factory === 'function'
    ? (factory as ClusterFactory)({ allowAutoTopicCreation: false, metadataMaxAge: METADATA_MAX_AGE_MS })
    : null;
}
