import type { LoggerService } from '@nestjs/common';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { DestinationStream, Level, Logger } from 'pino';
import { currentLogFields } from './log-context';

export type LogFormat = 'json' | 'text';

export interface LoggerSettings {
  /** trace, debug, info, warn, error or fatal. */
  LOG_LEVEL: string;
  /** `json` (one object a line, for collectors) or `text` (for a person at a terminal). */
  LOG_FORMAT: LogFormat;
}

/**
 * Field names whose values never reach a log line, wherever a caller puts them (the messages themselves never
 * contain secrets: they name ids, not values).
 */
const REDACTED = [
  'authorization',
  'secret',
  'token',
  'key',
  'password',
  '*.authorization',
  '*.secret',
  '*.token',
  '*.key',
  '*.password',
  'headers["x-kaynko-signature"]',
  'headers["signature-sha256"]',
];

/**
 * Whether LOG_LEVEL lets debug lines through. Hot paths test it once, at start-up, before building a per-event or
 * per-delivery debug line: with debug off, the line's fields are not even built.
 */
export function logsDebug(settings: Pick<LoggerSettings, 'LOG_LEVEL'>): boolean {
  return settings.LOG_LEVEL === 'debug' || settings.LOG_LEVEL === 'trace';
}

/** A pino logger writing one JSON object a line: level, time, service, message, and the unit of work's ids. */
export function createPinoLogger(service: string, settings: LoggerSettings, destination?: DestinationStream): Logger {
  return pino(
    {
      level: settings.LOG_LEVEL,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED, censor: '[redacted]' },
      mixin: logMixin,
    },
    destination ??
      (settings.LOG_FORMAT === 'text' ? textStream(process.stdout) : pino.destination({ dest: 1, sync: true })),
  );
}

/** Event, tenant, delivery… ids of the work in progress, and the trace it belongs to. */
function logMixin(): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...currentLogFields() };
  const span = trace.getActiveSpan();
  if (span) {
    const ctx = span.spanContext();
    if (isSpanContextValid(ctx)) {
      fields['traceId'] = ctx.traceId;
      fields['spanId'] = ctx.spanId;
    }
  }
  return fields;
}

/** `HH:MM:SS.mmm LEVEL [context] message key=value…`: the same lines, for `npm start` in a terminal. */
export function textStream(out: { write(chunk: string): unknown }): DestinationStream {
  return {
    write(line: string) {
      const { time, level, msg, context, service: _service, ...rest } = JSON.parse(line) as Record<string, string>;
      const extras = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const head = `${time?.slice(11, 23)} ${level?.toUpperCase().padEnd(5)}`;
      out.write(`${head} ${context ? `[${context}] ` : ''}${msg}${extras ? `  ${extras}` : ''}\n`);
    },
  };
}

const NEST_TO_PINO: Record<string, Level> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

/**
 * Nest's logger, backed by pino: every `new Logger(Context)` in the services writes structured lines through it.
 * Nest passes the context as the last argument, and for errors a stack before it.
 */
export class GatewayLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(nestLevel: string, message: unknown, params: unknown[]): void {
    const level = NEST_TO_PINO[nestLevel]!;
    if (!this.pino.isLevelEnabled(level)) return;
    const rest = params.filter((p) => p !== undefined);
    const fields: Record<string, unknown> = {};
    if (rest.length && typeof rest[rest.length - 1] === 'string') fields['context'] = rest.pop();
    const stack = rest.find((p): p is string => typeof p === 'string' && /\n\s+at /.test(p));
    if (stack) fields['stack'] = stack;
    if (message instanceof Error) {
      fields['err'] = message;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...message }, (message as { msg?: string }).msg ?? '');
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
