import './kafkajs-request-queue';

// kafkajs's own class, with the replacement installed by the import above.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  maybeThrottle(ms: number): void;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe("kafkajs's request queue (libs/messaging/src/kafkajs-request-queue.ts)", () => {
  let queue: InstanceType<typeof RequestQueue>;
  beforeEach(() => {
    jest.useFakeTimers();
    queue = new RequestQueue({
      maxInFlightRequests: 1,
      requestTimeout: 30_000,
      clientId: 't',
      broker: 'b',
      logger: silent,
    });
  });
  afterEach(() => {
    queue.destroy();
    jest.useRealTimers();
  });

  it('arms no timer when nothing is pending and nothing throttles (kafkajs 2.2.4 re-armed one every 1 ms)', () => {
    queue.checkPendingRequests(); // what every answer from the broker runs
    expect(queue.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('checks waiting requests every 10 ms while they wait without a throttle', () => {
    const check = jest.spyOn(queue, 'checkPendingRequests').mockImplementation(() => {});
    queue.pending.push({});
    queue.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(9);
    expect(check).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('checks when a broker throttle ends, pending or not, and arms one timer at a time', () => {
    const check = jest.spyOn(queue, 'checkPendingRequests').mockImplementation(() => {});
    queue.maybeThrottle(50);
    queue.scheduleCheckPendingRequests();
    queue.scheduleCheckPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(49);
    expect(check).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(check).toHaveBeenCalledTimes(1);
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });
});
