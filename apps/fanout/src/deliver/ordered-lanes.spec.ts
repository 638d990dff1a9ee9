import type { CanonicalEventV1 } from '@gateway/contracts';
import type { ClaimedLane } from '../store/delivery-store';
import { LaneCursor } from './ordered-lanes';

function lane(n: number): ClaimedLane {
  return {
    endpointId: 'ep_1',
    lane: 'k:src_1:42',
    leaseUntil: new Date(Date.now() + 120_000),
    deliveries: Array.from({ length: n }, (_, i) => ({
      id: `dl_${i + 1}`,
      endpointId: 'ep_1',
      attemptCount: 0,
      event: { id: `evt_${i + 1}` } as CanonicalEventV1,
    })),
  };
}

/** A cursor over `n` deliveries, recording how its run ends. */
function cursor(
  n: number,
  {
    startBefore = Date.now() + 60_000,
    mustStop = (): boolean => false,
  }: { startBefore?: number; mustStop?: () => boolean } = {},
) {
  const ends: Array<{ held: boolean; rest: string[] }> = [];
  const c = new LaneCursor(lane(n), startBefore, mustStop, (held, rest) => ends.push({ held, rest }));
  return { c, ends };
}

describe('LaneCursor', () => {
  it('hands out the next delivery only after the one before succeeded or finally failed', () => {
    const { c, ends } = cursor(3);
    expect(c.first().deliveryId).toBe('dl_1');
    expect(c.after('succeeded')?.deliveryId).toBe('dl_2');
    expect(c.after('failed')?.deliveryId).toBe('dl_3');
    expect(c.after('succeeded')).toBeNull();
    expect(ends).toEqual([{ held: false, rest: [] }]);
  });

  it('ends held when a delivery is to be retried (or could not be attempted), handing back the rest', () => {
    for (const status of ['retrying', 'pending', null] as const) {
      const { c, ends } = cursor(4);
      c.first();
      c.after('succeeded');
      expect(c.after(status)).toBeNull();
      expect(ends).toEqual([{ held: true, rest: ['dl_3', 'dl_4'] }]);
      expect(c.after('succeeded')).toBeNull();
      expect(ends).toHaveLength(1);
    }
  });

  it('starts nothing past its time or once it must stop, and ends not held (the lane is claimed again)', () => {
    const late = cursor(3, { startBefore: Date.now() - 1 });
    late.c.first();
    expect(late.c.after('succeeded')).toBeNull();
    expect(late.ends).toEqual([{ held: false, rest: ['dl_2', 'dl_3'] }]);

    let stop = false;
    const stopped = cursor(3, { mustStop: () => stop });
    stopped.c.first();
    stop = true;
    expect(stopped.c.after('succeeded')).toBeNull();
    expect(stopped.ends).toEqual([{ held: false, rest: ['dl_2', 'dl_3'] }]);
  });

  it('gives up what it has not handed out at shutdown, once', () => {
    const { c, ends } = cursor(3);
    c.first();
    expect(c.abandon()).toEqual(['dl_2', 'dl_3']);
    expect(c.abandon()).toEqual([]);
    expect(c.after('succeeded')).toBeNull();
    expect(ends).toEqual([]);
  });
});
