import { MigrationInterface, QueryRunner } from 'typeorm';
import { eventSearchIndexes } from '../sql/event-search';
import { createPartitionedIndex } from '../sql/partitioned-index';

/**
 * The indexes `GET /v1/events?q=` (and deliveries') search with: one partial index per identifier field of `data`
 * (sql/event-search.ts), built without blocking writes to events.
 */
export class EventSearch1765700000000 implements MigrationInterface {
  name = 'EventSearch1765700000000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    for (const [index, definition] of Object.entries(eventSearchIndexes()))
      await createPartitionedIndex(q, 'events', index, definition);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const index of Object.keys(eventSearchIndexes())) await q.query(`DROP INDEX IF EXISTS ${index}`);
  }
}
