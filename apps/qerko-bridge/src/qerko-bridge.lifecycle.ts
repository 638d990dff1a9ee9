import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Topics } from '@gateway/contracts';
import { HttpSender } from '@gateway/delivery';
import { KafkaBatchTransport } from '@gateway/messaging';
import { ReplyWorker } from './replies/reply-worker';

/**
 * Starts the reply worker after the caches load (the replies topic's consumer starts with the transport, after the
 * HTTP server listens: main.ts); stops the consumer, then the worker, before the database closes.
 */
@Injectable()
export class QerkoBridgeLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly transport: KafkaBatchTransport,
    private readonly worker: ReplyWorker,
    private readonly sender: HttpSender,
  ) {}

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.transport.stop(Topics.qerkoReplies);
    await this.worker.stop();
    await this.sender.close();
  }
}
