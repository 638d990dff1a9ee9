import { EndpointDisabler } from '../deliver/endpoint-disabler';
import { OperationalEvents } from '../deliver/operational-events';
import { FanoutConfig } from '../fanout.config';
import { AttemptOutcome, DeliveryStore, HealthChanges, NewDelivery } from './delivery-store';
import { InstanceRegistry } from './instance-registry';
import { OutcomeJournal } from './outcome-journal';
import { OutcomeWriter } from './outcome-writer';
import { SaveBarrier, UnsavedDelivery } from './unsaved-delivery';

/** A store that records each write, and can be made to fail. */
class FakeStore {
  readonly writes: Array<{ outcomes: AttemptOutcome[]; pending: NewDelivery[] }> = [];
  failing = false;
  recordOutcomes(outcomes: AttemptOutcome[], _cutoff: Date, pending: NewDelivery[] = []): Promise<HealthChanges> {
    if (this.failing) return Promise.reject(new Error('connection refused'));
    this.writes.push({ outcomes, pending });
    return Promise.resolve({ failingTooLong: [], turns: [] });
  }
}

function setup(saveAfterMs = 1000) {
  const store = new FakeStore();
  const config = Object.assign(new FanoutConfig(), { FANOUT_SAVE_AFTER_MS: saveAfterMs, FANOUT_LEASE_SECONDS: 60 });
  const writer = new OutcomeWriter(
    store as unknown as DeliveryStore,
    {} as EndpointDisabler,
    {} as OperationalEvents,
    { id: 'fo_test' } as InstanceRegistry,
    new OutcomeJournal(Object.assign(new FanoutConfig(), { FANOUT_JOURNAL_DIR: 'off' })),
    config,
  );
  return { store, writer };
}

const unsaved = (id: string, barrier: SaveBarrier, since = Date.now()): UnsavedDelivery => ({
  id,
  eventId: 'evt_1',
  eventReceivedAt: new Date(since - 10),
  endpointId: 'ep_1',
  tenantId: 'ten_1',
  eventType: 'kaynko.sale.completed',
  since,
  saved: false,
  barrier,
});

const outcome = (id: string): AttemptOutcome => ({
  attempt: null,
  delivery: {
    id,
    status: 'succeeded',
    attemptCount: 1,
    nextAttemptAt: null,
    lastStatusCode: 200,
    lastError: null,
    completed: true,
  },
});

describe('OutcomeWriter and first attempts without a row', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] }));
  afterEach(() => jest.useRealTimers());

  it("releases a batch's barrier only once every delivery's row is written", async () => {
    const { writer } = setup();
    writer.onModuleInit();
    const barrier = new SaveBarrier(2);
    let released = false;
    void barrier.done.then(() => (released = true));
    const [a, b] = [unsaved('dlv_a', barrier), unsaved('dlv_b', barrier)];
    writer.track([a, b]);
    a.saved = true;
    writer.record(outcome('dlv_a'), a);
    await jest.advanceTimersByTimeAsync(60);
    expect(released).toBe(false);
    b.saved = true;
    writer.record(outcome('dlv_b'), b);
    await jest.advanceTimersByTimeAsync(60);
    expect(released).toBe(true);
  });

  it('writes a first attempt still unfinished after FANOUT_SAVE_AFTER_MS as pending and leased, once', async () => {
    const { store, writer } = setup(1000);
    writer.onModuleInit();
    const barrier = new SaveBarrier(1);
    const slow = unsaved('dlv_slow', barrier);
    writer.track([slow]);
    await jest.advanceTimersByTimeAsync(900);
    expect(store.writes).toEqual([]);
    await jest.advanceTimersByTimeAsync(200);
    expect(store.writes).toHaveLength(1);
    expect(store.writes[0]!.pending).toEqual([
      expect.objectContaining({ id: 'dlv_slow', leaseOwner: 'fo_test', leaseUntil: expect.any(Date) }),
    ]);
    expect(slow.saved).toBe(true);
    await jest.advanceTimersByTimeAsync(2000);
    expect(store.writes).toHaveLength(1);
    await expect(barrier.done).resolves.toBeUndefined();
  });

  it('keeps unwritten rows through a database outage, in order, and never drops them', async () => {
    const { store, writer } = setup();
    writer.onModuleInit();
    const barrier = new SaveBarrier(1);
    const d = unsaved('dlv_wait', barrier);
    writer.track([d]);
    store.failing = true;
    d.saved = true;
    writer.record(outcome('dlv_wait'), d);
    await jest.advanceTimersByTimeAsync(500);
    expect(store.writes).toEqual([]);
    store.failing = false;
    await jest.advanceTimersByTimeAsync(60);
    expect(store.writes.flatMap((w) => w.outcomes.map((o) => o.delivery.id))).toEqual(['dlv_wait']);
    await expect(barrier.done).resolves.toBeUndefined();
  });

  it('hands back first attempts not started at shutdown as pending rows without a lease', async () => {
    const { store, writer } = setup();
    writer.onModuleInit();
    const d = unsaved('dlv_back', new SaveBarrier(1));
    writer.track([d]);
    writer.handBack([d]);
    await writer.flushAll();
    expect(store.writes[0]!.pending).toEqual([expect.objectContaining({ id: 'dlv_back', leaseUntil: null })]);
  });

  it('on a rebalance, writes every held first attempt at once as pending and leased to this instance', async () => {
    const { store, writer } = setup(1000);
    writer.onModuleInit();
    const barrier = new SaveBarrier(2);
    const [a, b] = [unsaved('dlv_a', barrier), { ...unsaved('dlv_b', barrier), endpointId: 'ep_2' }];
    writer.track([a, b]);
    writer.saveHeldNow();
    await jest.advanceTimersByTimeAsync(0);
    expect(store.writes).toHaveLength(1);
    expect(store.writes[0]!.pending).toEqual([
      expect.objectContaining({ id: 'dlv_a', leaseOwner: 'fo_test', leaseUntil: expect.any(Date) }),
      expect.objectContaining({ id: 'dlv_b', leaseOwner: 'fo_test', leaseUntil: expect.any(Date) }),
    ]);
    await expect(barrier.done).resolves.toBeUndefined();
    expect(writer.holds('evt_1', 'ep_1')).toBe(false);
    // Their outcomes, later, update the rows; no second pending write when FANOUT_SAVE_AFTER_MS passes.
    writer.record(outcome('dlv_a'));
    await jest.advanceTimersByTimeAsync(1100);
    expect(store.writes.flatMap((w) => w.pending)).toHaveLength(2);
    expect(store.writes.flatMap((w) => w.outcomes.map((o) => o.delivery.id))).toEqual(['dlv_a']);
  });
});
