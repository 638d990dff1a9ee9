export const DEAD_LETTER_SCHEMA = 'dead-letter.v1';

/** A record the gateway gave up on: an unparseable message, or a delivery out of attempts. */
export interface DeadLetterV1 {
  schema: typeof DEAD_LETTER_SCHEMA;
  /** Which service wrote it. */
  origin: 'ingest' | 'fanout' | 'qerko-bridge' | 'admin-api';
  reason: string;
  /** Where the original came from, when it was a Kafka record. */
  source?: { topic: string; partition: number; offset: string };
  eventId?: string;
  endpointId?: string;
  deliveryId?: string;
  /** The original value (UTF-8; base64 when it was not valid UTF-8). */
  payload?: string;
  payloadEncoding?: 'utf8' | 'base64';
  at: string;
}
