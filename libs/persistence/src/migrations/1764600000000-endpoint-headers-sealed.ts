import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An endpoint's custom headers (often credentials for the receiver) are kept sealed like its secret, in
 * `headers_sealed`. Rows written before keep their plaintext `headers` until `npm run secrets:reseal` seals them
 * (docs/operations.md, upgrading): until then readers use the plaintext, so nothing stops working in between.
 */
export class EndpointHeadersSealed1764600000000 implements MigrationInterface {
  name = 'EndpointHeadersSealed1764600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS headers_sealed text`);
  }

  /** Refused while any endpoint holds sealed headers: dropping the column would lose them. */
  public async down(q: QueryRunner): Promise<void> {
    const rows = (await q.query(
      `SELECT count(*)::int AS sealed FROM endpoints WHERE headers_sealed IS NOT NULL`,
    )) as Array<{ sealed: number }>;
    const sealed = rows[0]?.sealed ?? 0;
    if (sealed) throw new Error(`${sealed} endpoints hold sealed custom headers; reverting would lose them`);
    await q.query(`ALTER TABLE endpoints DROP COLUMN IF EXISTS headers_sealed`);
  }
}
