import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { QERKO_REQUEST_STATES } from '@gateway/persistence';
import { MetricsRegistry } from '@gateway/http';
import { QerkoRequestsRepository } from './qerko-requests.repository';

/** Qerko requests by state at /metrics, read from PostgreSQL when scraped (the state machine lives there). */
@Injectable()
export class QerkoMetrics {
  constructor(registry: MetricsRegistry, requests: QerkoRequestsRepository) {
    new Gauge({
      name: 'qerko_requests_last_hour',
      help: 'Qerko requests received in the last hour, by state (pending, answered_sync, answered_async, failed, …)',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const counts = await requests.countsLastHour().catch(() => null);
        if (!counts) return;
        for (const state of QERKO_REQUEST_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
  }
}
