import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { DatabaseUrl, RetentionDays, loadConfigOrExit } from '@gateway/config';
import { dataSourceOptions } from '@gateway/persistence';
import { RetentionJob } from './retention/retention-job';
import { RetentionStore } from './retention/retention-store';
import { EventPartitions } from './store/event-partitions';

/** What one pass needs: the database, and the default retention (as fan-out has them). */
class RetentionPassConfig {
  @DatabaseUrl()
  DATABASE_URL = '';

  @RetentionDays()
  GATEWAY_RETENTION_DAYS = 30;
}

/**
 * `npm run retention:pass`: one retention pass over events, deliveries and attempts now, the same pass fan-out runs
 * every 10 minutes (and under the same lock: if an instance is running one, this one says so and does nothing).
 * Prints the pass's report as JSON and exits 0; 1 with the reason if it failed.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(RetentionPassConfig, 'retention');
  const db = await new DataSource(dataSourceOptions(config.DATABASE_URL, { poolSize: 2 })).initialize();
  try {
    const report = await new RetentionJob(db, new RetentionStore(db), new EventPartitions(db), config).runOnce();
    console.log(JSON.stringify(report ?? { skipped: 'another instance is running a pass' }));
  } finally {
    await db.destroy();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`retention pass failed: ${err.message}`);
    process.exit(1);
  },
);
