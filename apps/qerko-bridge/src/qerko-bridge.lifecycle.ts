import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpSender } from '@gateway/delivery';
import { RepliesConsumer } from './replies/replies.consumer';
import { ReplyWorker } from './replies/reply-worker';

/** Starts the replies consumer and the reply worker after the caches load; stops them before the database closes. */
@Injectable()
export class QerkoBridgeLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly consumer: RepliesConsumer,
    private readonly worker: ReplyWorker,
    private readonly sender: HttpSender,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.worker.start();
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.worker.stop();
    await this.sender.close();
  }
}
