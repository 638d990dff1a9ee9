/**
 * The real Kafka broker and PostgreSQL that `npm test` (tools/scripts/test.mjs) starts for the integration and
 * e2e tiers. Tests never mock them.
 */
export function testInfra(): { kafkaBrokers: string; databaseUrl: string } {
  const kafkaBrokers = process.env['TEST_KAFKA_BROKERS'];
  const databaseUrl = process.env['TEST_DATABASE_URL'];
  if (!kafkaBrokers || !databaseUrl) {
    throw new Error(
      'TEST_KAFKA_BROKERS / TEST_DATABASE_URL are not set: run integration and e2e tests through `npm test`.',
    );
  }
  return { kafkaBrokers, databaseUrl };
}
