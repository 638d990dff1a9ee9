import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DailyPartitionSet } from '@gateway/persistence';

/**
 * The daily partitions of events, deliveries and delivery_attempts, which fan-out writes: an event, its deliveries
 * and their attempts are stored in the partitions of the event's received day (migration 1764900000000). DeliveryStore
 * writes through `write`, which creates a missing day first.
 */
@Injectable()
export class EventPartitions extends DailyPartitionSet implements OnModuleInit, OnModuleDestroy {
  private static readonly logger = new Logger(EventPartitions.name);

  constructor(@InjectDataSource() db: DataSource) {
    super(db, ['events', 'deliveries', 'delivery_attempts'], (err) =>
      EventPartitions.logger.warn(`could not create the partitions of the days ahead: ${err.message}`),
    );
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }
}
