import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What retention removed, so that `GET /v1/events/{id}` can say "expired" rather than "not found": event ids are hashes
 * of their content and tell nothing of their age, so the ids removed are remembered in blocked Bloom filters (about
 * 1.2 bytes per event, 1 % false positives), each made of 4 KiB blocks, kept 90 days (libs/persistence/src/sql/
 * expired-events.ts).
 */
export class ExpiredEventFilters1765100000000 implements MigrationInterface {
  name = 'ExpiredEventFilters1765100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS expired_event_filters (
      id bigserial PRIMARY KEY,
      created_at timestamptz NOT NULL DEFAULT now(),
      ids integer NOT NULL,
      blocks integer NOT NULL CHECK (blocks > 0)
    )`);
    await q.query(`CREATE INDEX IF NOT EXISTS expired_event_filters_created_idx ON expired_event_filters (created_at)`);
    await q.query(`CREATE TABLE IF NOT EXISTS expired_event_filter_blocks (
      filter_id bigint NOT NULL REFERENCES expired_event_filters(id) ON DELETE CASCADE,
      block integer NOT NULL,
      bits bytea NOT NULL,
      PRIMARY KEY (filter_id, block)
    )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS expired_event_filter_blocks`);
    await q.query(`DROP TABLE IF EXISTS expired_event_filters`);
  }
}
