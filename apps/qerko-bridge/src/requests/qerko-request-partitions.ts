import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DailyPartitionSet } from '@gateway/persistence';

/**
 * The daily partitions of qerko_requests (by received_at, the database's clock when the request came in), created by
 * the bridge: a week ahead, and on demand by QerkoRequestsRepository's writes.
 */
@Injectable()
export class QerkoRequestPartitions extends DailyPartitionSet implements OnModuleInit, OnModuleDestroy {
  private static readonly logger = new Logger(QerkoRequestPartitions.name);

  constructor(@InjectDataSource() db: DataSource) {
    super(db, ['qerko_requests'], (err) =>
      QerkoRequestPartitions.logger.warn(`could not create the partitions of the days ahead: ${err.message}`),
    );
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }
}
