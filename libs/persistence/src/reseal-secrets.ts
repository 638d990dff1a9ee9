import { DataSource } from 'typeorm';
import type { SecretBox } from '@gateway/security';
import { migrationDataSource } from './data-source';

/** Every column that holds a sealed secret. */
const SEALED_COLUMNS: ReadonlyArray<{ table: string; columns: readonly string[] }> = [
  { table: 'sources', columns: ['secret_sealed', 'token_sealed'] },
  { table: 'endpoints', columns: ['secret_sealed', 'previous_secret_sealed', 'headers_sealed'] },
];

const BATCH = 500;

/**
 * The second step of a GATEWAY_ENCRYPTION_KEY rotation (docs/operations.md): re-seals every stored secret that is
 * sealed with an older key under the current one, in batches, each row in a single UPDATE that only applies if the
 * row still holds what was read (a secret rotated meanwhile is left alone, and picked up by a second run).
 * Returns, per table, how many values were re-sealed and which rows hold a secret none of the keys opens (a key
 * missing from GATEWAY_PREVIOUS_ENCRYPTION_KEYS): those are left as they are and reported.
 * It also seals the custom headers of endpoints stored in plaintext before headers were sealed (an upgrade's step).
 */
export interface ResealReport {
  resealed: number;
  unreadable: string[];
}

export async function resealSecrets(db: DataSource, box: SecretBox): Promise<Record<string, ResealReport>> {
  const report: Record<string, ResealReport> = {};
  for (const { table, columns } of SEALED_COLUMNS) {
    const counts = (report[table] = { resealed: 0, unreadable: [] as string[] });
    const stale = columns.map((c) => `(${c} IS NOT NULL AND split_part(${c}, '.', 2) <> $1)`).join(' OR ');
    let after = '';
    for (;;) {
      const rows: Array<Record<string, string | null>> = await db.query(
        `SELECT id, ${columns.join(', ')} FROM ${table} WHERE (${stale}) AND id > $2 ORDER BY id LIMIT ${BATCH}`,
        [box.keyId, after],
      );
      if (!rows.length) break;
      for (const row of rows) {
        const sets: string[] = [];
        const guards: string[] = [];
        const params: unknown[] = [row['id']];
        try {
          for (const column of columns) {
            const sealed = row[column];
            if (!sealed || !box.needsRotation(sealed)) continue;
            params.push(box.encrypt(box.decrypt(sealed)), sealed);
            sets.push(`${column} = $${params.length - 1}`);
            guards.push(`${column} = $${params.length}`);
          }
        } catch {
          counts.unreadable.push(row['id']!);
          continue;
        }
        if (!sets.length) continue;
        // TypeORM answers a bare UPDATE with [rows, affected count].
        const [, updated] = await db.query<[unknown, number]>(
          `UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1 AND ${guards.join(' AND ')}`,
          params,
        );
        counts.resealed += updated ? sets.length : 0;
      }
      after = rows[rows.length - 1]!['id']!;
    }
  }
  report['endpoints']!.resealed += await sealPlaintextHeaders(db, box);
  return report;
}

/** Seals every endpoint's plaintext custom headers; a row changed meanwhile is left alone (the API sealed it). */
async function sealPlaintextHeaders(db: DataSource, box: SecretBox): Promise<number> {
  let sealed = 0;
  let after = '';
  for (;;) {
    const rows: Array<{ id: string; headers: Record<string, string> }> = await db.query(
      `SELECT id, headers FROM endpoints WHERE headers <> '{}'::jsonb AND id > $1 ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    if (!rows.length) return sealed;
    for (const { id, headers } of rows) {
      const [, updated] = await db.query<[unknown, number]>(
        `UPDATE endpoints SET headers_sealed = $2, headers = '{}'::jsonb
          WHERE id = $1 AND headers = $3::jsonb AND headers_sealed IS NULL`,
        [id, box.encrypt(JSON.stringify(headers)), JSON.stringify(headers)],
      );
      sealed += updated;
    }
    after = rows[rows.length - 1]!.id;
  }
}

/** Entry point for `npm run secrets:reseal`. */
export async function resealAllSecrets(url: string, box: SecretBox): Promise<Record<string, ResealReport>> {
  const db = migrationDataSource(url);
  await db.initialize();
  try {
    return await resealSecrets(db, box);
  } finally {
    await db.destroy();
  }
}
