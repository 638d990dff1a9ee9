import { Logger } from '@nestjs/common';
import { GatewayLogger, createPinoLogger, logsDebug, textStream } from './logger';
import { addLogFields, logContextPerRequest } from './log-context';

function capture(level = 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const logger = new GatewayLogger(
    createPinoLogger(
      'ingest',
      { LOG_LEVEL: level, LOG_FORMAT: 'json' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    ),
  );
  return { logger, lines };
}

describe('GatewayLogger (pino behind Nest)', () => {
  it('writes one JSON object a line: level name, ISO time, service, context and message', () => {
    const { logger, lines } = capture();
    logger.log('ready', 'Bootstrap');
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        service: 'ingest',
        context: 'Bootstrap',
        msg: 'ready',
      },
    ]);
  });

  it('reads Nest’s argument order: error(message, stack, context) and a context-less instance', () => {
    const { logger, lines } = capture();
    const err = new Error('boom');
    logger.error('failed', err.stack, 'Worker');
    logger.warn('plain', undefined);
    expect(lines[0]).toMatchObject({ level: 'error', context: 'Worker', msg: 'failed', stack: err.stack });
    expect(lines[1]).toMatchObject({ level: 'warn', msg: 'plain' });
    expect(lines[1]).not.toHaveProperty('context');
  });

  it('routes `new Logger(Context)` calls through it once Nest uses it', () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    new Logger('Dispatcher').warn('slow endpoint');
    Logger.overrideLogger(false);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', context: 'Dispatcher', msg: 'slow endpoint' })]);
  });

  it('adds the ids of the unit of work in progress, across awaits', async () => {
    const { logger, lines } = capture();
    // One request's unit of work: ids added on the way stay on every later line, however deep.
    await new Promise<void>((done) =>
      logContextPerRequest(undefined, undefined, () => {
        addLogFields({ tenantId: 'ten_1' });
        void new Promise((resolve) => setImmediate(resolve)).then(() => {
          addLogFields({ eventId: 'evt_1' });
          logger.log('inside');
          done();
        });
      }),
    );
    logger.log('outside');
    expect(lines[0]).toMatchObject({ tenantId: 'ten_1', eventId: 'evt_1', msg: 'inside' });
    expect(lines[1]).not.toHaveProperty('tenantId');
  });

  it('drops lines below LOG_LEVEL and never writes secret-named fields', () => {
    const { logger, lines } = capture('info');
    logger.debug('noise');
    logger.verbose('more noise');
    logger.log({ msg: 'config', secret: 's3cr3t', nested: { authorization: 'Bearer k', password: 'p' } });
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).not.toMatch(/s3cr3t|Bearer k|"p"/);
    expect(lines[0]).toMatchObject({ msg: 'config', secret: '[redacted]' });
  });

  it('formats the same lines as readable text for a terminal', () => {
    const out: string[] = [];
    const stream = textStream({ write: (chunk: string) => out.push(chunk) });
    stream.write(
      JSON.stringify({
        level: 'warn',
        time: '2026-11-23T10:11:12.345Z',
        service: 'fanout',
        context: 'X',
        msg: 'm',
        eventId: 'evt_1',
      }),
    );
    expect(out).toEqual(['10:11:12.345 WARN  [X] m  eventId=evt_1\n']);
  });
});

describe('logsDebug', () => {
  it.each([
    ['trace', true],
    ['debug', true],
    ['info', false],
    ['warn', false],
    ['error', false],
    ['fatal', false],
  ])('LOG_LEVEL=%s: %s', (level, expected) => {
    expect(logsDebug({ LOG_LEVEL: level })).toBe(expected);
  });
});
