import { pickTraceHeaders, tracesExporter, TracingSettings } from './tracing';

const off: TracingSettings = {
  OTEL_SDK_DISABLED: false,
  OTEL_TRACES_EXPORTER: '',
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
  OTEL_SERVICE_NAME: '',
};

describe('tracing settings (standard OTEL_* variables)', () => {
  it('is off by default', () => {
    expect(tracesExporter(off)).toBeNull();
  });

  it('turns on with an OTLP endpoint or an explicit exporter', () => {
    expect(tracesExporter({ ...off, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('otlp');
    expect(tracesExporter({ ...off, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe('otlp');
    expect(tracesExporter({ ...off, OTEL_TRACES_EXPORTER: 'console' })).toBe('console');
    expect(tracesExporter({ ...off, OTEL_TRACES_EXPORTER: 'otlp' })).toBe('otlp');
  });

  it('stays off when told so, whatever else is set', () => {
    const endpoint = { ...off, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracesExporter({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
    expect(tracesExporter({ ...endpoint, OTEL_SDK_DISABLED: true })).toBeNull();
  });

  it('takes only the trace context from a record’s headers', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(pickTraceHeaders({ traceparent, 'x-gateway-tenant-id': 'ten_1' })).toEqual({ traceparent });
    expect(pickTraceHeaders({ traceparent, tracestate: 'a=b' })).toEqual({ traceparent, tracestate: 'a=b' });
    expect(pickTraceHeaders({ 'x-gateway-tenant-id': 'ten_1' })).toBeUndefined();
  });
});
