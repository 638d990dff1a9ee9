import { IsInt, Max, Min } from 'class-validator';
import { BaseServiceConfig, UrlPolicyConfig } from './base-config';
import { ConfigError, loadConfig } from './load-config';
import { ToNumber } from './transforms';

class AppConfig extends BaseServiceConfig {
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  APP_PORT = 3000;
}

describe('loadConfig', () => {
  const base = { DATABASE_URL: 'postgres://u@localhost/db' };

  it('applies defaults and converts types', () => {
    const config = loadConfig(AppConfig, { ...base, KAFKA_BROKERS: 'a:1, b:2' });
    expect(config.APP_PORT).toBe(3000);
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });

  it('lets the environment override defaults', () => {
    expect(loadConfig(AppConfig, { ...base, APP_PORT: '4000' }).APP_PORT).toBe(4000);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig(AppConfig, { APP_PORT: 'eighty', KAFKA_BROKERS: 'nope' })).toThrow(ConfigError);
    try {
      loadConfig(AppConfig, { APP_PORT: 'eighty', KAFKA_BROKERS: 'nope' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('APP_PORT');
      expect(message).toContain('KAFKA_BROKERS');
    }
  });

  it('parses booleans and CIDR lists strictly', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    const config = loadConfig(UrlPolicyConfig, {
      ...base,
      GATEWAY_ENCRYPTION_KEY: key,
      GATEWAY_ALLOW_HTTP_ENDPOINTS: 'true',
      GATEWAY_ALLOWED_PRIVATE_CIDRS: '127.0.0.1/32',
    });
    expect(config.GATEWAY_ALLOW_HTTP_ENDPOINTS).toBe(true);
    expect(config.GATEWAY_ALLOWED_PRIVATE_CIDRS).toEqual(['127.0.0.1/32']);
    expect(() =>
      loadConfig(UrlPolicyConfig, { ...base, GATEWAY_ENCRYPTION_KEY: key, GATEWAY_ALLOW_HTTP_ENDPOINTS: 'maybe' }),
    ).toThrow(/GATEWAY_ALLOW_HTTP_ENDPOINTS/);
  });
});
