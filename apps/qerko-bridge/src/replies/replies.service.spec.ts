import { QerkoRequestsRepository } from '../requests/qerko-requests.repository';
import { RepliesService } from './replies.service';

/** The requests repository's storeAnswer, answering or failing as PostgreSQL does. */
function service(storeAnswer: jest.Mock) {
  return new RepliesService({ storeAnswer } as unknown as QerkoRequestsRepository);
}

describe('RepliesService.fromDelivery', () => {
  it('stores a readable synchronous answer', async () => {
    const storeAnswer = jest.fn(() => Promise.resolve({ uuid: 'u-1' }));
    await service(storeAnswer).fromDelivery('ten_1', 'u-1', { result: { id: 'B-17' } });
    expect(storeAnswer).toHaveBeenCalledWith('ten_1', 'u-1', { result: { id: 'B-17' } }, 'sync-response');
  });

  it('ignores an answer PostgreSQL refuses as data (class 22), so the record is not consumed again and again', async () => {
    const nul = Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
    const storeAnswer = jest.fn(() => Promise.reject(nul));
    await expect(service(storeAnswer).fromDelivery('ten_1', 'u-2', { result: 'a\u0000b' })).resolves.toBeUndefined();
    expect(storeAnswer).toHaveBeenCalledTimes(1);
  });

  it('passes on any other failure (the database is down): the record is consumed again once it is back', async () => {
    const down = Object.assign(new Error('connection terminated'), { code: '57P01' });
    const storeAnswer = jest.fn(() => Promise.reject(down));
    await expect(service(storeAnswer).fromDelivery('ten_1', 'u-3', { result: 1 })).rejects.toBe(down);
  });
});
