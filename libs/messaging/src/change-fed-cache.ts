import { Logger } from '@nestjs/common';
import type { ConfigChangeV1 } from '@gateway/contracts';
import { ConfigChangeListener } from './config-change-listener';
import { KafkaConnection } from './kafka-connection';

/**
 * The lifecycle of an in-memory replica of configuration rows (sources in ingest, endpoints in fan-out), so the
 * hot path never reads the database: listen to config changes first, then load everything (a change committed in
 * between is applied twice rather than missed), then reload everything periodically as a safety net.
 */
export class ChangeFedCache {
  private readonly logger: Logger;
  private readonly listener: ConfigChangeListener;
  private timer?: NodeJS.Timeout;
  private loaded = false;

  constructor(
    name: string,
    kafka: KafkaConnection,
    private readonly options: {
      /** Replaces the whole replica from the database. */
      loadAll: () => Promise<void>;
      /** Applies one change (typically: reload that row, or drop it). */
      apply: (change: ConfigChangeV1) => Promise<void>;
      resyncSeconds: number;
    },
  ) {
    this.logger = new Logger(name);
    this.listener = new ConfigChangeListener(kafka, options.apply);
  }

  /** Loaded, and still receiving changes. */
  get ready(): boolean {
    return this.loaded && this.listener.healthy;
  }

  async start(): Promise<void> {
    await this.listener.start();
    await this.options.loadAll();
    this.loaded = true;
    this.timer = setInterval(() => {
      this.options.loadAll().catch((err: Error) => this.logger.warn(`periodic resync failed: ${err.message}`));
    }, this.options.resyncSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.listener.stop();
  }
}
