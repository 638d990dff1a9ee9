/**
 * Kafka topic names are wire contracts between independently deployed services.
 * NEVER rename one: a new message shape gets a new versioned topic (`.v2`) and a migration period.
 */
export const Topics = {
  /** Canonical provider events (CanonicalEventV1), keyed by source id so one source's events stay in order. */
  events: 'gateway.events.v1',
  /** Source/endpoint/tenant/api-key changes (ConfigChangeV1); every instance of every service reads all of them. */
  configChanges: 'gateway.config-changes.v1',
  /** Records that could not be handled or delivered (DeadLetterV1), with the reason. */
  deadLetter: 'gateway.dead-letter.v1',
  /** Synchronous POS answers to Qerko requests, handed from fan-out to the Qerko bridge. */
  qerkoReplies: 'gateway.qerko-replies.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

export interface TopicSpec {
  name: TopicName;
  partitions: number;
  config?: Record<string, string>;
}

/** Default layout, created idempotently by every service at start-up (brokers run with auto-create off). */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { name: Topics.events, partitions: 6, config: { 'retention.ms': String(7 * 24 * 3600 * 1000) } },
  { name: Topics.configChanges, partitions: 1, config: { 'retention.ms': String(24 * 3600 * 1000) } },
  { name: Topics.deadLetter, partitions: 3, config: { 'retention.ms': String(30 * 24 * 3600 * 1000) } },
  { name: Topics.qerkoReplies, partitions: 3, config: { 'retention.ms': String(24 * 3600 * 1000) } },
];

/** Kafka header names we set on every record. */
export const Headers = {
  schema: 'gateway-schema',
  eventType: 'gateway-event-type',
  tenantId: 'gateway-tenant-id',
  /**
   * On an event ingest or the Qerko bridge accepted: where the configuration-changes topic ended when it decided the
   * event (`partition:offset,…`), so fan-out matches it under those changes without asking the broker again.
   */
  configMark: 'gateway-config-mark',
} as const;
