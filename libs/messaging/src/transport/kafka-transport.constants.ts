/** Nest's transport id of `KafkaBatchTransport`: `@BatchPattern` handlers are registered with that server only. */
export const KAFKA_BATCH_TRANSPORT = Symbol('KafkaBatchTransport');

/** Injection token of the `KafkaEventClient`, the one `ClientProxy` through which a service publishes records. */
export const KAFKA_EVENT_CLIENT = 'KAFKA_EVENT_CLIENT';
