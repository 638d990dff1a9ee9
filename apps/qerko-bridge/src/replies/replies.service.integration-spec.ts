import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@gateway/persistence';
import { testInfra } from '@gateway/testing';
import { QerkoRequestPartitions } from '../requests/qerko-request-partitions';
import { QerkoRequestsRepository } from '../requests/qerko-requests.repository';
import { RepliesService } from './replies.service';

/** A POS answer PostgreSQL cannot hold, on the real database: ignored, not thrown back at the consumer. */
describe('RepliesService on PostgreSQL', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 1 })).initialize();
  });
  afterAll(() => db.destroy());

  it('the database refuses a NUL character in an answer as data (class 22), and the service ignores it', async () => {
    const requests = new QerkoRequestsRepository(db, new QerkoRequestPartitions(db));
    const answer = { result: { note: 'a\u0000b' } };
    await expect(requests.storeAnswer('ten_nul', 'u-nul', answer, 'sync-response')).rejects.toMatchObject({
      code: expect.stringMatching(/^22/) as unknown,
    });
    await expect(new RepliesService(requests).fromDelivery('ten_nul', 'u-nul', answer)).resolves.toBeUndefined();
  });
});
