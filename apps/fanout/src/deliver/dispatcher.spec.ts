import { EndpointCache } from '../endpoints/endpoint-cache';
import { FanoutConfig } from '../fanout.config';
import { DeliveryAttempter, DeliveryWork } from './delivery-attempter';
import { Dispatcher } from './dispatcher';
import { EndpointHealthRegistry } from './endpoint-health';
import { FanoutMetrics } from './fanout.metrics';

/** Attempts that finish only when the test says so. */
class HeldAttempter {
  readonly started: DeliveryWork[] = [];
  private readonly releases: Array<() => void> = [];
  attempt(work: DeliveryWork): Promise<void> {
    this.started.push(work);
    return new Promise((resolve) => this.releases.push(resolve));
  }
  finish(count: number): void {
    this.releases.splice(0, count).forEach((release) => release());
  }
}

const work = (endpointId: string, n: number): DeliveryWork[] =>
  Array.from({ length: n }, (_, i) => ({
    deliveryId: `dlv_${endpointId}_${i}`,
    endpointId,
    attemptCount: 0,
    event: {} as DeliveryWork['event'],
  }));

function dispatcher(attempter: HeldAttempter, overrides: Partial<FanoutConfig> = {}) {
  const config = Object.assign(new FanoutConfig(), {
    FANOUT_MAX_IN_FLIGHT: 4,
    FANOUT_MAX_IN_FLIGHT_PER_ENDPOINT: 2,
    FANOUT_MAX_QUEUED: 10,
    FANOUT_MAX_QUEUED_PER_ENDPOINT: 8,
    ...overrides,
  });
  const endpoints = { get: () => ({ rateLimitPerSecond: null }) } as unknown as EndpointCache;
  const metrics = { watchBacklog: () => undefined } as unknown as FanoutMetrics;
  return new Dispatcher(
    attempter as unknown as DeliveryAttempter,
    new EndpointHealthRegistry(),
    endpoints,
    config,
    metrics,
  );
}

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 30));
  return done;
};

describe('Dispatcher back-pressure (whenRoom)', () => {
  it('holds the consumer while endpoints that keep up have FANOUT_MAX_QUEUED waiting, and lets go as they drain', async () => {
    const attempter = new HeldAttempter();
    const d = dispatcher(attempter);
    d.enqueue([...work('a', 7), ...work('b', 7)]); // 4 start (2 per endpoint), 10 wait
    expect(d.queuedCount).toBe(10);
    const wait = d.whenRoom();
    expect(await settled(wait)).toBe(false);
    attempter.finish(2); // two more start: 8 waiting
    expect(await settled(wait)).toBe(true);
  });

  it('does not wait for an endpoint whose own queue is full (it does not keep up: its overflow goes to Postgres)', async () => {
    const attempter = new HeldAttempter();
    const d = dispatcher(attempter);
    d.enqueue([...work('dead', 10), ...work('ok', 4)]); // dead: 2 in flight, 8 queued (its cap); ok: 2 + 2
    expect(d.queuedCount).toBe(10);
    expect(d.hasRoom('dead')).toBe(false);
    expect(await settled(d.whenRoom())).toBe(true);
  });

  it('ends the wait when cancelled (the consumer is stopping) or the dispatcher stops', async () => {
    const attempter = new HeldAttempter();
    const d = dispatcher(attempter);
    d.enqueue([...work('a', 7), ...work('b', 7)]);
    let cancelled = false;
    const wait = d.whenRoom(undefined, () => cancelled);
    expect(await settled(wait)).toBe(false);
    cancelled = true;
    expect(await settled(wait)).toBe(true);
  });

  it('heartbeats the consumer group while it waits', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const attempter = new HeldAttempter();
      const d = dispatcher(attempter);
      d.enqueue([...work('a', 7), ...work('b', 7)]);
      const heartbeat = jest.fn(() => Promise.resolve());
      const wait = d.whenRoom(heartbeat);
      await jest.advanceTimersByTimeAsync(2500);
      expect(heartbeat.mock.calls.length).toBeGreaterThanOrEqual(2);
      attempter.finish(4);
      await jest.advanceTimersByTimeAsync(10);
      await wait;
    } finally {
      jest.useRealTimers();
    }
  });
});
