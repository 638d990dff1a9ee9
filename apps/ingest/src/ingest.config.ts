import { IsInt, Max, Min } from 'class-validator';
import { EncryptionConfig, ToNumber } from '@gateway/config';

export class IngestConfig extends EncryptionConfig {
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  INGEST_PORT = 3001;

  /** See BaseServiceConfig. */
  override METRICS_PORT = 9301;

  /** Largest accepted request body (bytes); larger ones get 413. */
  @ToNumber()
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  INGEST_MAX_BODY_BYTES = 256 * 1024;

  /** Sustained requests per second accepted per source (burst: twice as many); beyond it, 429. */
  @ToNumber()
  @IsInt()
  @Min(1)
  INGEST_RATE_LIMIT_PER_SOURCE = 500;

  /** How long to wait for Kafka's acknowledgement before answering 503 (well inside providers' 5 s budget). */
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(4500)
  INGEST_KAFKA_ACK_TIMEOUT_MS = 3000;

  /**
   * How long an accepted event that finds no Kafka request in flight waits for others to go out with it (0: at once).
   * Each produce request costs the broker about as much CPU as a large one; under load, requests fill anyway.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(100)
  INGEST_KAFKA_LINGER_MS = 0;

  /** Full reload of the source cache from Postgres, as a safety net beside the change stream. */
  @ToNumber()
  @IsInt()
  @Min(1)
  SOURCE_RESYNC_SECONDS = 60;
}
