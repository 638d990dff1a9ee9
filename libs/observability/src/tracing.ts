import {
  Context,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanOptions,
  SpanStatusCode,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** The standard OpenTelemetry variables the services honour (the exporter reads its own, e.g. headers, too). */
export interface TracingSettings {
  OTEL_SDK_DISABLED: boolean;
  /** `otlp`, `console` or `none`; empty: `otlp` when an OTLP endpoint is set, else none. */
  OTEL_TRACES_EXPORTER: string;
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: string;
  OTEL_SERVICE_NAME: string;
}

/** Which exporter the settings ask for: tracing is off unless an exporter or an OTLP endpoint is configured. */
export function tracesExporter(settings: TracingSettings): 'otlp' | 'console' | null {
  if (settings.OTEL_SDK_DISABLED) return null;
  const chosen = settings.OTEL_TRACES_EXPORTER.trim().toLowerCase();
  if (chosen === 'otlp' || chosen === 'console') return chosen;
  if (chosen === '' && (settings.OTEL_EXPORTER_OTLP_ENDPOINT || settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) {
    return 'otlp';
  }
  return null;
}

let provider: NodeTracerProvider | null = null;

/**
 * Starts tracing for this process when the settings ask for it: spans go to the OTLP endpoint in batches, and the
 * W3C trace context (traceparent) is read from and written to HTTP and Kafka headers. Off, it costs nothing.
 */
export function startTracing(serviceName: string, settings: TracingSettings): boolean {
  const exporterKind = tracesExporter(settings);
  if (!exporterKind || provider) return provider !== null;
  const exporter: SpanExporter = exporterKind === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter();
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.OTEL_SERVICE_NAME || serviceName,
      [ATTR_SERVICE_VERSION]: process.env['npm_package_version'] ?? '0.1.0',
      'service.namespace': 'pos-event-gateway',
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  return true;
}

export function tracingEnabled(): boolean {
  return provider !== null;
}

/** Sends the spans still buffered and stops tracing (at shutdown, after the work has finished). */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = null;
  await stopping?.shutdown();
}

const tracer = () => trace.getTracer('pos-event-gateway');

/** The trace context of the work in progress as headers (traceparent, tracestate), for a Kafka record or a request. */
export function traceHeaders(): Record<string, string> {
  if (!provider) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Only the trace context's headers of a set of headers (e.g. a Kafka record's), or undefined when there are none. */
export function pickTraceHeaders(headers: Record<string, string | undefined>): Record<string, string> | undefined {
  const traceparent = headers['traceparent'];
  if (!traceparent) return undefined;
  const tracestate = headers['tracestate'];
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * Runs `fn` inside a new span, a child of the trace context found in `parentHeaders` (an incoming request's or a
 * Kafka record's headers; a new trace when there is none). Errors mark the span and propagate.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions & { kind: SpanKind },
  parentHeaders: Record<string, string | string[] | undefined> | undefined,
  fn: (span: Span | null) => Promise<T>,
): Promise<T> {
  if (!provider) return fn(null);
  const parent: Context = parentHeaders ? propagation.extract(ROOT_CONTEXT, parentHeaders) : ROOT_CONTEXT;
  return tracer().startActiveSpan(name, options, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

export { SpanKind, SpanStatusCode };
export type { Span };
