import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, IsUrl, Matches, Max, Min, ValidateIf } from 'class-validator';
import { ToBoolean, ToList, ToNumber } from './transforms';

/** Several rules as one property decorator. */
function rules(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((decorate) => decorate(target, key));
}

/** DATABASE_URL's rule, for every config that reads it (the services' and the one-shot tools'). */
export const DatabaseUrl = () =>
  rules(IsString(), Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' }));

/** GATEWAY_RETENTION_DAYS's rule: whole days, 1–400. */
export const RetentionDays = () => rules(ToNumber(), IsInt(), Min(1), Max(400));

/** Variables every service reads. Apps extend this with their own. */
export class BaseServiceConfig {
  /** PostgreSQL connection URL. */
  @DatabaseUrl()
  DATABASE_URL = '';

  /** Comma-separated host:port list of Kafka bootstrap brokers. */
  @ToList()
  @Matches(/^[^\s,:]+:\d+$/, { each: true, message: 'KAFKA_BROKERS must be a comma-separated list of host:port' })
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  /** TLS to the brokers (managed Kafka services require it). */
  @ToBoolean()
  @IsBoolean()
  KAFKA_SSL = false;

  /** PEM file with the CA that signed the brokers' certificates, when it is not a public CA (implies KAFKA_SSL). */
  @IsString()
  KAFKA_SSL_CA_FILE = '';

  /** SASL authentication to the brokers: `plain`, `scram-sha-256` or `scram-sha-512`; empty for none. */
  @IsIn(['', 'plain', 'scram-sha-256', 'scram-sha-512'], {
    message: 'KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512 (or empty for none)',
  })
  KAFKA_SASL_MECHANISM = '';

  @ValidateIf((c: BaseServiceConfig) => c.KAFKA_SASL_MECHANISM !== '')
  @IsNotEmpty({ message: 'KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is set' })
  KAFKA_SASL_USERNAME = '';

  @ValidateIf((c: BaseServiceConfig) => c.KAFKA_SASL_MECHANISM !== '')
  @IsNotEmpty({ message: 'KAFKA_SASL_PASSWORD is required when KAFKA_SASL_MECHANISM is set' })
  KAFKA_SASL_PASSWORD = '';

  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
  LOG_LEVEL = 'info';

  /**
   * The port of the Prometheus `/metrics` page, apart from the service's own so that it is never public with it.
   * Each service has its own default (admin-api 9300, ingest 9301, fanout 9302, qerko-bridge 9303).
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT = 9300;

  /** `json`: one JSON object a line (for log collectors); `text`: readable lines for a terminal (`npm start`). */
  @IsIn(['json', 'text'], { message: 'LOG_FORMAT must be json or text' })
  LOG_FORMAT: 'json' | 'text' = 'json';

  /** OpenTelemetry (standard variables): tracing is off unless an exporter or an OTLP endpoint is set. */
  @ToBoolean()
  @IsBoolean()
  OTEL_SDK_DISABLED = false;

  @IsIn(['', 'otlp', 'console', 'none'], { message: 'OTEL_TRACES_EXPORTER must be otlp, console or none' })
  OTEL_TRACES_EXPORTER = '';

  @ValidateIf((c: BaseServiceConfig) => c.OTEL_EXPORTER_OTLP_ENDPOINT !== '')
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'] },
    { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' },
  )
  OTEL_EXPORTER_OTLP_ENDPOINT = '';

  @ValidateIf((c: BaseServiceConfig) => c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== '')
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'] },
    { message: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL' },
  )
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = '';

  /** The service name spans carry; defaults to the service's own (ingest, fanout, qerko-bridge, admin-api). */
  @IsString()
  OTEL_SERVICE_NAME = '';

  /**
   * Ingest, fan-out and the Qerko bridge: how long a request (or a fan-out batch) may wait for this instance to apply
   * the configuration changes published before it arrived. Past it, ingest and the bridge answer 503 and fan-out
   * takes the batch again: never a decision on a configuration older than what admin-api confirmed.
   */
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(60_000)
  CONFIG_FRESHNESS_TIMEOUT_MS = 2000;

  /**
   * Seconds a client has to send a whole request, headers and body; then 408 and the connection is closed (Node's
   * default is 300, which lets slow clients hold connections and memory).
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(300)
  HTTP_REQUEST_TIMEOUT_SECONDS = 30;

  /** Seconds allowed for a graceful shutdown before the process exits anyway. */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(300)
  SHUTDOWN_TIMEOUT_SECONDS = 25;
}

/** For services that must open secrets sealed at rest. */
export class EncryptionConfig extends BaseServiceConfig {
  /** 32 random bytes, base64: the key that seals endpoint and source secrets (AES-256-GCM). */
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'GATEWAY_ENCRYPTION_KEY must be 32 random bytes, base64-encoded' })
  GATEWAY_ENCRYPTION_KEY = '';

  /** Older keys still accepted for decryption during a key rotation (comma-separated). */
  @ToList()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    each: true,
    message: 'GATEWAY_PREVIOUS_ENCRYPTION_KEYS must be base64 32-byte keys',
  })
  GATEWAY_PREVIOUS_ENCRYPTION_KEYS: string[] = [];
}

/** For services that check subscriber URLs (admin-api at registration, fanout at every connection). */
export class UrlPolicyConfig extends EncryptionConfig {
  /** Allow plain http:// endpoint URLs (never in production). */
  @ToBoolean()
  @IsBoolean()
  GATEWAY_ALLOW_HTTP_ENDPOINTS = false;

  /** Private CIDRs that endpoints may still reach, e.g. 127.0.0.1/32 for local receivers. */
  @ToList()
  @Matches(/^[0-9a-fA-F.:]+(\/\d{1,3})?$/, { each: true, message: 'GATEWAY_ALLOWED_PRIVATE_CIDRS must be CIDRs' })
  GATEWAY_ALLOWED_PRIVATE_CIDRS: string[] = [];
}

/** For the services that keep tenants' data (admin-api shows it; fan-out and the Qerko bridge remove what expired). */
export class DataRetentionConfig extends UrlPolicyConfig {
  /** Days a tenant's events, deliveries, attempts and Qerko requests are kept unless its own `retentionDays` says otherwise. */
  @RetentionDays()
  GATEWAY_RETENTION_DAYS = 30;
}

/** For the services that know the delivery policy: fan-out applies it, admin-api shows it on endpoints and deliveries. */
export class DeliveryPolicyConfig extends DataRetentionConfig {
  /**
   * Delays before each retry, e.g. `5s,5m,30m,2h,5h,10h,10h` (units ms, s, m, h); ±20 % jitter is added. An endpoint's
   * own `retrySchedule` overrides it. Give both services the same value.
   */
  @Matches(/^\s*\d+(\.\d+)?(ms|s|m|h)\s*(,\s*\d+(\.\d+)?(ms|s|m|h)\s*)*$/, {
    message: 'GATEWAY_RETRY_SCHEDULE must be a comma-separated list of durations such as 300ms,5s,5m,2h',
  })
  GATEWAY_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';
}
