import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FanoutConfig } from '../fanout.config';
import { AttemptOutcome } from './delivery-store';
import { OutcomeJournal, journalLine, parseJournal } from './outcome-journal';

const outcome = (id: string, attemptCount = 1): AttemptOutcome => ({
  attempt: {
    id: `att_${id}`,
    deliveryId: id,
    endpointId: 'ep_1',
    number: attemptCount,
    startedAt: new Date('2026-12-03T10:00:00.000Z'),
    durationMs: 12,
    statusCode: 200,
    errorClass: null,
    errorMessage: null,
    responseBody: 'ok',
    timings: { firstByteMs: 3 },
  },
  delivery: {
    id,
    status: 'succeeded',
    attemptCount,
    nextAttemptAt: null,
    lastStatusCode: 200,
    lastError: null,
    completed: true,
    insert: {
      eventId: 'evt_1',
      eventReceivedAt: new Date('2026-12-03T09:59:58.000Z'),
      endpointId: 'ep_1',
      tenantId: 'ten_1',
      eventType: 'kaynko.sale.completed',
      createdAt: new Date('2026-12-03T09:59:59.000Z'),
    },
  },
});

/** Lets the journal's end-of-turn write happen. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('OutcomeJournal (the crash journal, on a real directory)', () => {
  let dir: string;
  const open: OutcomeJournal[] = [];
  const journal = async (owner: string, at = dir) => {
    const j = new OutcomeJournal(Object.assign(new FanoutConfig(), { FANOUT_JOURNAL_DIR: at }));
    await j.open(owner);
    open.push(j);
    return j;
  };
  const files = () => readdirSync(dir).sort();
  const everyone = () => Promise.resolve(true);

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'journal-spec-'))));
  afterEach(async () => {
    await Promise.all(open.splice(0).map((j) => j.close(false)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps outcomes until the write that holds them is committed, then deletes them', async () => {
    const j = await journal('fo_a');
    j.append(outcome('dlv_1'));
    const first = j.cut();
    j.append(outcome('dlv_2'));
    await nextTurn();
    expect(files()).toEqual(['fo_a.000000.journal', 'fo_a.000001.journal', 'fo_a.sock']);
    j.release(first);
    expect(files()).toEqual(['fo_a.000001.journal', 'fo_a.sock']);
    await j.close(true);
    expect(files()).toEqual([]);
  });

  it("hands a dead instance's outcomes, in order and with their dates, to the next instance, and to one only", async () => {
    const dead = await journal('fo_dead');
    dead.append(outcome('dlv_1'));
    dead.cut();
    dead.append(outcome('dlv_1', 2));
    dead.append(outcome('dlv_2'));
    await dead.close(false); // what a kill -9 leaves: the segments (and, here, no listener on the socket)
    writeFileSync(join(dir, 'fo_dead.sock'), ''); // a kill -9 leaves the socket file too

    const [next, other] = [await journal('fo_next'), await journal('fo_other')];
    const [found, again] = await Promise.all([next.orphans(everyone), other.orphans(everyone)]);
    const orphans = [...found, ...again];
    expect(orphans.map((o) => o.owner)).toEqual(['fo_dead']); // both segments, to one of them
    const outcomes = orphans.flatMap((o) => o.outcomes);
    expect(outcomes.map((o) => [o.delivery.id, o.delivery.attemptCount])).toEqual([
      ['dlv_1', 1],
      ['dlv_1', 2],
      ['dlv_2', 1],
    ]);
    expect(outcomes[0]).toEqual(outcome('dlv_1'));
    // Renamed to the taker's name until written.
    const taker = found.length ? next : other;
    const prefix = found.length ? 'fo_next' : 'fo_other';
    expect(orphans[0]!.files.map((f) => f.slice(dir.length + 1))).toEqual([
      `${prefix}.c0000.journal`,
      `${prefix}.c0001.journal`,
    ]);
    taker.done(orphans[0]!);
    expect(files()).toEqual(['fo_next.000000.journal', 'fo_next.sock', 'fo_other.000000.journal', 'fo_other.sock']);
  });

  it("leaves a live instance's journal alone, and an unknown owner's until it is an hour old", async () => {
    const live = await journal('fo_live');
    live.append(outcome('dlv_1'));
    await nextTurn();
    writeFileSync(join(dir, 'fo_stranger.000000.journal'), JSON.stringify(outcome('dlv_9')) + '\n');
    const next = await journal('fo_next');
    const known = (owner: string) => Promise.resolve(owner !== 'fo_stranger');
    expect(await next.orphans(known)).toEqual([]);
    expect(files()).toContain('fo_stranger.000000.journal');

    const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(join(dir, 'fo_stranger.000000.journal'), twoHoursAgo, twoHoursAgo);
    expect(await next.orphans(known)).toEqual([]);
    expect(files()).not.toContain('fo_stranger.000000.journal');
    expect(files()).toContain('fo_live.000000.journal');
  });

  it('switches itself off, with the service still running, when its directory cannot be used', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const j = await journal('fo_a', join(dir, 'a-file'));
    j.append(outcome('dlv_1'));
    expect(j.cut()).toBe(-1);
    expect(await j.orphans(everyone)).toEqual([]);
  });

  it('skips a torn or foreign line and reads the rest', () => {
    const whole = journalLine(outcome('dlv_3'));
    const text = [
      JSON.stringify(outcome('dlv_1')),
      '{"delivery":{"id":"dlv_2","sta',
      '[1,2]',
      '',
      'null',
      whole.slice(0, 40),
      whole.replace(/^\[2,"dlv_3",null/, '[2,"dlv_3","yesterday"'),
      whole.replace(/,\["evt_1",\d+/, ',["evt_1",null'),
      whole.replace(/,\["att_dlv_3"[^\]]*\]\]$/, ',"an attempt"]'),
      whole,
    ].join('\n');
    expect(parseJournal(text).map((o) => o.delivery.id)).toEqual(['dlv_1', 'dlv_3']);
  });

  it('reads back every field of what it writes, and the former layout (an object, ISO dates)', () => {
    const rescheduled: AttemptOutcome = {
      attempt: null,
      delivery: {
        id: 'dlv_2',
        eventReceivedAt: new Date('2026-12-03T09:59:58.123Z'),
        status: 'retrying',
        attemptCount: 3,
        nextAttemptAt: new Date('2026-12-03T10:05:00.456Z'),
        lastStatusCode: 503,
        lastError: 'HTTP 503 "with quotes"\nand a line',
        completed: false,
      },
    };
    const failed = outcome('dlv_3', 2);
    failed.attempt!.statusCode = null;
    failed.attempt!.errorClass = 'timeout';
    failed.attempt!.errorMessage = 'no answer in 5000 ms';
    failed.attempt!.responseBody = null;
    failed.attempt!.timings = null;
    const written = [outcome('dlv_1'), rescheduled, failed];
    expect(parseJournal(written.map(journalLine).join('\n') + '\n')).toEqual(written);
    expect(parseJournal(written.map((o) => JSON.stringify(o)).join('\n'))).toEqual(written);
  });
});
