import { Coalesced } from './broadcast-subscriber';

/** An async function whose calls are answered by hand, numbered in the order they started. */
function manualCalls() {
  const calls: Array<{ resolve: (n: number) => void; reject: (err: Error) => void }> = [];
  const fn = () => new Promise<number>((resolve, reject) => calls.push({ resolve, reject }));
  const answer = (i: number) => calls[i]!.resolve(i);
  return { calls, fn, answer };
}

describe('Coalesced', () => {
  it('shares one call among callers that ask while nothing is in flight', async () => {
    const { calls, fn, answer } = manualCalls();
    const coalesced = new Coalesced(fn);
    const a = coalesced.fresh();
    expect(calls).toHaveLength(1);
    answer(0);
    await expect(a).resolves.toBe(0);
  });

  it('never answers a caller with a call that started before it asked', async () => {
    const { calls, fn, answer } = manualCalls();
    const coalesced = new Coalesced(fn);
    const first = coalesced.fresh();
    const second = coalesced.fresh(); // asked while call 0 is in flight: it must wait for a later call
    const third = coalesced.fresh(); // joins the same later call
    expect(calls).toHaveLength(1);
    answer(0);
    await expect(first).resolves.toBe(0);
    await Promise.resolve();
    expect(calls).toHaveLength(2);
    answer(1);
    await expect(second).resolves.toBe(1);
    await expect(third).resolves.toBe(1);
    expect(calls).toHaveLength(2);
  });

  it('starts the queued call even when the one in flight fails, and passes each failure to its own callers', async () => {
    const { calls, fn, answer } = manualCalls();
    const coalesced = new Coalesced(fn);
    const first = coalesced.fresh();
    const second = coalesced.fresh();
    calls[0]!.reject(new Error('broker down'));
    await expect(first).rejects.toThrow('broker down');
    await Promise.resolve();
    answer(1);
    await expect(second).resolves.toBe(1);
    const later = coalesced.fresh();
    expect(calls).toHaveLength(3);
    answer(2);
    await expect(later).resolves.toBe(2);
  });
});
