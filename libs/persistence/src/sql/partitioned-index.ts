import type { QueryRunner } from 'typeorm';

/**
 * Builds `index` on the partitioned `table` without blocking writes: PostgreSQL cannot build an index on a partitioned
 * table concurrently, so it is declared on the parent only (ON ONLY: invalid, used by no query), built CONCURRENTLY on
 * each partition and attached; once every partition's is attached the parent's is valid, and partitions created later
 * get theirs with the table. Every step is idempotent, so a run cut short is finished by the next. Outside a
 * transaction only (the migration sets `transaction = false`).
 */
export async function createPartitionedIndex(
  q: QueryRunner,
  table: string,
  index: string,
  definition: string,
): Promise<void> {
  const partitions = (await q.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [table],
  )) as Array<{ name: string }>;
  await q.query(`CREATE INDEX IF NOT EXISTS ${index} ON ONLY ${table} ${definition}`);
  for (const { name } of partitions) {
    const own = `${name}_${index.replace(new RegExp(`^${table}_`), '')}`.slice(0, 63);
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${own} ON ${name} ${definition}`);
    const attached = (await q.query(
      `SELECT 1 FROM pg_inherits WHERE inhrelid = $1::regclass AND inhparent = $2::regclass`,
      [own, index],
    )) as unknown[];
    if (!attached.length) await q.query(`ALTER INDEX ${index} ATTACH PARTITION ${own}`);
  }
}
