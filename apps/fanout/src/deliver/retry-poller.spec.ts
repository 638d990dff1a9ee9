import { FanoutConfig } from '../fanout.config';
import { DeliveryStore } from '../store/delivery-store';
import { InstanceRegistry } from '../store/instance-registry';
import { Dispatcher } from './dispatcher';
import { OrderedLanes } from './ordered-lanes';
import { RetryPoller } from './retry-poller';

/** A poller over a store that records how much each claim asked for, and a dispatcher holding `queued` deliveries. */
function poller(maxQueued: number, queued: number) {
  const claims: number[] = [];
  const store = {
    claimDue: (limit: number) => {
      claims.push(limit);
      return Promise.resolve([]);
    },
  } as unknown as DeliveryStore;
  const dispatcher = {
    queuedCount: queued,
    fullEndpoints: () => [],
    enqueue: () => undefined,
  } as unknown as Dispatcher;
  const config = Object.assign(new FanoutConfig(), { FANOUT_MAX_QUEUED: maxQueued, FANOUT_POLL_INTERVAL_MS: 60_000 });
  const instance = { id: 'fan_test' } as InstanceRegistry;
  const lanes = { poll: () => Promise.resolve(0) } as unknown as OrderedLanes;
  return { poller: new RetryPoller(store, dispatcher, lanes, instance, config), claims };
}

describe('RetryPoller', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('claims only what fits under FANOUT_MAX_QUEUED', async () => {
    const { poller: p, claims } = poller(200, 150);
    p.start();
    await jest.advanceTimersByTimeAsync(0);
    p.stop();
    expect(claims).toEqual([50]);
  });

  it('claims nothing while memory already holds FANOUT_MAX_QUEUED deliveries', async () => {
    const { poller: p, claims } = poller(200, 200);
    p.start();
    await jest.advanceTimersByTimeAsync(0);
    p.stop();
    expect(claims).toEqual([]);
  });

  it('claims at most one batch per poll however large FANOUT_MAX_QUEUED is', async () => {
    const { poller: p, claims } = poller(50_000, 0);
    p.start();
    await jest.advanceTimersByTimeAsync(0);
    p.stop();
    expect(claims).toEqual([500]);
  });
});
