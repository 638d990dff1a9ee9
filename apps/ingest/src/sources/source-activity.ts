import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { IngestSourcesRepository } from './ingest-sources.repository';

/**
 * Remembers when each source was last seen (and last verified: a request that proved it came from the provider, or its
 * Test ping) and writes it every few seconds in one statement.
 */
@Injectable()
export class SourceActivity implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SourceActivity.name);
  private seen = new Map<string, Date>();
  private verified = new Map<string, Date>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly repository: IngestSourcesRepository) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), 2000);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  seenNow(sourceId: string, verified = false): void {
    const now = new Date();
    this.seen.set(sourceId, now);
    if (verified) this.verified.set(sourceId, now);
  }

  private async flush(): Promise<void> {
    if (!this.seen.size && !this.verified.size) return;
    const [seen, verified] = [this.seen, this.verified];
    this.seen = new Map();
    this.verified = new Map();
    try {
      await this.repository.recordActivity(seen, verified);
    } catch (err) {
      this.logger.warn(`could not record source activity: ${(err as Error).message}`);
    }
  }
}
