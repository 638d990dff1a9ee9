import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { DeliveryPolicyConfig, ToNumber } from '@gateway/config';

export class FanoutConfig extends DeliveryPolicyConfig {
  /** Health and metrics only: fan-out takes no other HTTP traffic. */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  FANOUT_PORT = 3002;

  /** See BaseServiceConfig. */
  override METRICS_PORT = 9302;

  /** Requests in flight across all endpoints. */
  @ToNumber()
  @IsInt()
  @Min(1)
  FANOUT_MAX_IN_FLIGHT = 256;

  /** Requests in flight to one endpoint. */
  @ToNumber()
  @IsInt()
  @Min(1)
  FANOUT_MAX_IN_FLIGHT_PER_ENDPOINT = 16;

  /**
   * Deliveries waiting in memory (for endpoints that keep up) at which this instance stops taking new events from
   * Kafka until attempts catch up: back-pressure keeps events in Kafka instead of overflowing into Postgres. The retry
   * poller claims due deliveries from Postgres only while fewer than this many are in memory.
   */
  @ToNumber()
  @IsInt()
  @Min(100)
  FANOUT_MAX_QUEUED = 5000;

  /** Deliveries one endpoint may hold in memory; beyond that they wait in Postgres (the retry queue). */
  @ToNumber()
  @IsInt()
  @Min(1)
  FANOUT_MAX_QUEUED_PER_ENDPOINT = 1000;

  /** Response bodies are stored up to this many bytes. */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(1024 * 1024)
  FANOUT_RESPONSE_BODY_LIMIT_BYTES = 64 * 1024;

  /** How often the retry queue in Postgres is polled for due deliveries. */
  @ToNumber()
  @IsInt()
  @Min(50)
  FANOUT_POLL_INTERVAL_MS = 500;

  /** How long a claimed delivery stays reserved for this instance (must exceed the longest timeout). */
  @ToNumber()
  @IsInt()
  @Min(35)
  FANOUT_LEASE_SECONDS = 120;

  /**
   * A first attempt's delivery row is written with its outcome (one insert). One still queued or in flight after this
   * many ms is written as pending first, so that its Kafka offset can be committed: this bounds how much a crash makes
   * the next instance consume again (and attempt again). A pending write and the update after it cost PostgreSQL about
   * 2.5 × the one insert, so the default outlasts the wait of a full queue (FANOUT_MAX_QUEUED at a busy instance's
   * rate): only attempts held up by a slow endpoint pay it, not those that waited their turn in a burst.
   */
  @ToNumber()
  @IsInt()
  @Min(50)
  @Max(60_000)
  FANOUT_SAVE_AFTER_MS = 5000;

  /**
   * Where this instance journals attempt outcomes until they are committed to PostgreSQL (see OutcomeJournal): an
   * instance restarted with the same directory writes them first, so a crash re-sends only what was in flight. Local
   * to the machine (in Kubernetes: the pod's `/tmp` emptyDir, which outlives a container restart); instances of one
   * machine may share it. `off`: no journal.
   */
  @IsString()
  FANOUT_JOURNAL_DIR = join(tmpdir(), 'pos-event-gateway-fanout');

  /**
   * After a fetch of fewer than 100 events that came within this many ms of the previous one, the consumer waits this
   * long before fetching again, so that fetches carry several events: each costs the broker about as much CPU as a
   * large one. Sparser events are fetched as they come. Adds at most this much latency; 0 fetches again at once.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(1000)
  FANOUT_FETCH_PAUSE_MS = 5;

  /**
   * An instance whose heartbeat (every 2 s) is older than this is taken for dead, and the deliveries it held are
   * taken over. Longer than a GC pause or a short database outage, so a live instance keeps its work.
   */
  @ToNumber()
  @IsInt()
  @Min(6)
  @Max(300)
  FANOUT_INSTANCE_TIMEOUT_SECONDS = 15;

  /** Partitions of the events topic this instance consumes in parallel. */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(64)
  FANOUT_PARTITIONS_CONCURRENTLY = 3;

  /** An endpoint whose every attempt has failed for this long is disabled (and `gateway.endpoint.disabled` sent). */
  @ToNumber()
  @IsInt()
  @Min(1)
  FANOUT_DISABLE_AFTER_FAILING_HOURS = 5 * 24;

  /** Bounds for a receiver's Retry-After (seconds) on 429/503. */
  @ToNumber()
  @IsInt()
  @Min(1)
  FANOUT_MAX_RETRY_AFTER_SECONDS = 3600;

  /** Deliveries a replay job creates per second (each replay; the endpoint's own limits still apply). */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(10_000)
  FANOUT_REPLAY_RATE_PER_SECOND = 50;

  /** Full reload of the endpoint cache, as a safety net beside the change stream. */
  @ToNumber()
  @IsInt()
  @Min(1)
  ENDPOINT_RESYNC_SECONDS = 60;
}
