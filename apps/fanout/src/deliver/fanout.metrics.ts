import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Topics } from '@gateway/contracts';
import { MetricsRegistry } from '@gateway/http';
import { KafkaConnection } from '@gateway/messaging';
import { FANOUT_GROUP_ID } from '../consume/consumer-group';
import { DeliveryStore } from '../store/delivery-store';
import { EndpointHealthRegistry } from './endpoint-health';

/**
 * Deliveries by outcome, attempt latency, in-memory backlog, retry backlog in Postgres, ordered endpoints' held keys
 * and running lanes, consumer lag and circuit states, at /metrics. The last three are read when scraped (bounded; a failed read leaves the gauge empty).
 */
@Injectable()
export class FanoutMetrics {
  private readonly attempts: Counter<'outcome' | 'error_class'>;
  private readonly latency: Histogram<'outcome'>;
  private backlog = { queued: () => 0, inFlight: () => 0, lanes: () => 0 };

  constructor(registry: MetricsRegistry, health: EndpointHealthRegistry, kafka: KafkaConnection, store: DeliveryStore) {
    const backlog = () => this.backlog;
    this.attempts = new Counter({
      name: 'fanout_attempts_total',
      help: 'Delivery attempts by outcome (succeeded, retrying, failed, skipped) and error class',
      labelNames: ['outcome', 'error_class'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'fanout_attempt_duration_seconds',
      help: 'Duration of delivery attempts (request sent to response read)',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    new Gauge({
      name: 'fanout_queued_deliveries',
      help: 'Deliveries waiting in this instance’s memory for a free slot',
      registers: [registry],
      collect() {
        this.set(backlog().queued());
      },
    });
    new Gauge({
      name: 'fanout_in_flight_attempts',
      help: 'Attempts in flight from this instance',
      registers: [registry],
      collect() {
        this.set(backlog().inFlight());
      },
    });
    new Gauge({
      name: 'fanout_consumer_lag',
      help: 'Events on gateway.events.v1 not yet taken by the fanout consumer group, per partition',
      labelNames: ['partition'],
      registers: [registry],
      async collect() {
        this.reset();
        const lags = await kafka.consumerLag(FANOUT_GROUP_ID, Topics.events).catch(() => []);
        for (const { partition, lag } of lags) this.set({ partition: String(partition) }, lag);
      },
    });
    new Gauge({
      name: 'fanout_retry_backlog',
      help: "Deliveries waiting in the retry queue (PostgreSQL): due now or later, or in ordered endpoints' lanes (in_lanes), across all instances",
      labelNames: ['due'],
      registers: [registry],
      async collect() {
        this.reset();
        const backlog = await store.backlog().catch(() => null);
        if (backlog) for (const [due, count] of Object.entries(backlog)) this.set({ due }, count);
      },
    });
    new Gauge({
      name: 'fanout_ordered_keys_held',
      help: 'Keys (lanes) of ordered endpoints held back by a delivery waiting for its retry, across all instances',
      registers: [registry],
      async collect() {
        this.reset();
        const held = await store.heldLanes().catch(() => null);
        if (held !== null) this.set(held);
      },
    });
    new Gauge({
      name: 'fanout_ordered_lanes_running',
      help: 'Lanes of ordered endpoints this instance is running (claimed, their deliveries attempted one by one)',
      registers: [registry],
      collect() {
        this.set(backlog().lanes());
      },
    });
    new Gauge({
      name: 'fanout_circuit_breakers',
      help: 'Endpoints by circuit-breaker state, as seen by this instance',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        for (const [state, count] of Object.entries(health.states())) this.set({ state }, count);
      },
    });
  }

  /** The dispatcher reports its backlog here (it depends on the metrics, not the other way round). */
  watchBacklog(queued: () => number, inFlight: () => number): void {
    this.backlog = { ...this.backlog, queued, inFlight };
  }

  /** OrderedLanes reports how many lanes it runs. */
  watchLanes(lanes: () => number): void {
    this.backlog = { ...this.backlog, lanes };
  }

  recordAttempt(outcome: string, errorClass: string | null, durationMs: number | null): void {
    this.attempts.inc({ outcome, error_class: errorClass ?? 'none' });
    if (durationMs !== null) this.latency.observe({ outcome }, durationMs / 1000);
  }
}
