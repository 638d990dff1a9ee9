import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { Admin, Kafka, logLevel as KafkaLogLevel, LogEntry, SASLOptions } from 'kafkajs';
import type { BaseServiceConfig } from '@gateway/config';
import { TOPIC_SPECS, TopicSpec } from '@gateway/contracts';
import { EndOffsetsReader } from './kafkajs-end-offsets';
import './kafkajs-request-queue';

const TRANSIENT =
  /coordinator is loading|coordinator is not available|Topic creation errors|already exists|Restarting the consumer|not the correct coordinator/i;

export interface KafkaConnectionOptions {
  clientId: string;
  brokers: string[];
  /** How long a connect or request may take before it fails (ms). */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** TLS to the brokers: true for public CAs, or the CA certificates (PEM) to trust. */
  ssl?: boolean | { ca: string[] };
  sasl?: SASLOptions;
}

/** The TLS and SASL settings of a service's configuration, as KafkaConnection options (read once, at boot). */
export function kafkaSecurity(
  config: Pick<
    BaseServiceConfig,
    'KAFKA_SSL' | 'KAFKA_SSL_CA_FILE' | 'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'
  >,
): Pick<KafkaConnectionOptions, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConnectionOptions, 'ssl' | 'sasl'> = {};
  if (config.KAFKA_SSL_CA_FILE) {
    let ca: string;
    try {
      ca = readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8');
    } catch (err) {
      throw new Error(`KAFKA_SSL_CA_FILE ${config.KAFKA_SSL_CA_FILE} cannot be read: ${(err as Error).message}`);
    }
    out.ssl = { ca: [ca] };
  } else if (config.KAFKA_SSL) {
    out.ssl = true;
  }
  const username = config.KAFKA_SASL_USERNAME;
  const password = config.KAFKA_SASL_PASSWORD;
  switch (config.KAFKA_SASL_MECHANISM) {
    case 'plain':
      out.sasl = { mechanism: 'plain', username, password };
      break;
    case 'scram-sha-256':
      out.sasl = { mechanism: 'scram-sha-256', username, password };
      break;
    case 'scram-sha-512':
      out.sasl = { mechanism: 'scram-sha-512', username, password };
      break;
  }
  return out;
}

/**
 * The one Kafka client of a service. Every other class of the messaging lib gets its producers, consumers and admin
 * from here, so swapping kafkajs for another KafkaJS-compatible client touches this lib only.
 */
export class KafkaConnection {
  readonly kafka: Kafka;
  private readonly logger: Logger;
  private admin?: Admin;
  private lastHealthy = 0;
  private readonly ends: EndOffsetsReader;

  constructor(readonly options: KafkaConnectionOptions) {
    this.logger = new Logger(`Kafka:${options.clientId}`);
    process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      ssl: options.ssl,
      sasl: options.sasl,
      logLevel: KafkaLogLevel.WARN,
      logCreator: () => (entry) => this.log(entry),
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    });
    this.ends = new EndOffsetsReader(this.kafka, () => this.sharedAdmin());
  }

  private log({ level, log }: LogEntry): void {
    const { message, ...extra } = log;
    // We bound producer retries on purpose (see MessageProducer); the warning about it would repeat at every start.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    const text = `${message}${extra['error'] ? ` (${String(extra['error'])})` : ''}`;
    // kafkajs logs these at ERROR although it retries them itself (a broker still starting, a topic another service
    // created first): warnings, so that real errors stand out.
    if (level <= KafkaLogLevel.ERROR && !TRANSIENT.test(text)) this.logger.error(text);
    else this.logger.warn(text);
  }

  private async sharedAdmin(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.kafka.admin({ retry: { retries: 1 } });
      await this.admin.connect();
    }
    return this.admin;
  }

  /** Creates missing topics (idempotent); every service calls it at start-up. */
  async ensureTopics(specs: readonly TopicSpec[] = TOPIC_SPECS): Promise<void> {
    const admin = await this.sharedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (!missing.length) return;
    try {
      await admin.createTopics({
        // kafkajs's own wait gives up on the first "does not host this topic-partition" from a broker that has not
        // heard of the topic yet; waitForLeaders below retries it.
        waitForLeaders: false,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: -1,
          configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (err) {
      // Another service may have created the same topic concurrently.
      if (!String((err as Error).message).includes('already exists')) throw err;
    }
    await waitForLeaders(
      admin,
      missing.map((spec) => spec.name),
    );
  }

  /** True when the cluster answered within the last few seconds (cached so health probes stay cheap). */
  async isHealthy(): Promise<boolean> {
    if (Date.now() - this.lastHealthy < 2000) return true;
    try {
      const admin = await this.sharedAdmin();
      await withTimeout(admin.describeCluster(), 2000);
      this.lastHealthy = Date.now();
      return true;
    } catch {
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
      return false;
    }
  }

  /**
   * The offset after the last record of each partition of `topic` (its high watermark), read now from the broker:
   * one request to each partition's leader (EndOffsetsReader).
   */
  endOffsets(topic: string): Promise<Array<{ partition: number; offset: bigint }>> {
    return this.ends.read(topic);
  }

  /** Records of `topic` that `groupId` has not committed yet, per partition (for the consumer-lag metric). */
  async consumerLag(
    groupId: string,
    topic: string,
    timeoutMs = 2000,
  ): Promise<Array<{ partition: number; lag: number }>> {
    const admin = await this.sharedAdmin();
    const [ends, [committed]] = await withTimeout(
      Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]),
      timeoutMs,
    );
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.map(({ partition, high, low }) => {
      const position = at.get(partition) ?? -1;
      // -1: nothing committed yet, so everything still on the partition is behind.
      return { partition, lag: Math.max(0, Number(high) - (position < 0 ? Number(low) : position)) };
    });
  }

  async close(): Promise<void> {
    await this.ends.close();
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once every partition of `topics` has a leader, asking the cluster's metadata again while a broker does not
 * know a new topic yet (KRaft brokers learn of it a moment after the controller created it). Throws after `timeoutMs`.
 */
export async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let why: string;
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics });
      const leaderless = described.filter((t) => !t.partitions.length || t.partitions.some((p) => p.leader < 0));
      if (!leaderless.length) return;
      why = `no leader yet for ${leaderless.map((t) => t.name).join(', ')}`;
    } catch (err) {
      why = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} not ready after ${timeoutMs} ms: ${why}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
