import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '@gateway/http';

/** Accepted and rejected events by provider, type and reason; time to acceptance (including Kafka's ack). */
@Injectable()
export class IngestMetrics {
  private readonly accepted: Counter<'provider' | 'type'>;
  private readonly rejected: Counter<'provider' | 'reason'>;
  private readonly latency: Histogram<'provider'>;

  constructor(registry: MetricsRegistry) {
    this.accepted = new Counter({
      name: 'ingest_events_accepted_total',
      help: 'Events accepted (acknowledged by Kafka) by provider and type',
      labelNames: ['provider', 'type'],
      registers: [registry],
    });
    this.rejected = new Counter({
      name: 'ingest_events_rejected_total',
      help: 'Requests refused by provider and reason (the error code)',
      labelNames: ['provider', 'reason'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'ingest_acceptance_seconds',
      help: 'From request to answer for accepted events (Kafka acknowledgement included)',
      labelNames: ['provider'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 5],
      registers: [registry],
    });
  }

  recordAccepted(provider: string, type: string, startedNs: bigint): void {
    this.accepted.inc({ provider, type });
    this.latency.observe({ provider }, Number(process.hrtime.bigint() - startedNs) / 1e9);
  }

  recordRejected(provider: string, reason: string): void {
    this.rejected.inc({ provider, reason });
  }
}
