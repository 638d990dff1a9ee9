import { randomBytes } from 'node:crypto';
import { loadConfig } from '@gateway/config';
import { AdminApiConfig } from './admin-api.config';
import { consoleContentSecurityPolicy } from './console';

const env = {
  GATEWAY_OPERATOR_KEY: 'op_0123456789012345678901234',
  GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  DATABASE_URL: 'postgres://localhost/gateway',
  KAFKA_BROKERS: 'localhost:9092',
};

describe("the console's framing policy (GATEWAY_CONSOLE_FRAME_ANCESTORS)", () => {
  it('is never framed by default, and framed only by the listed origins when some are', () => {
    expect(consoleContentSecurityPolicy('')).toContain("frame-ancestors 'none';");
    const policy = consoleContentSecurityPolicy(' https://app.partner.example  https://*.partner.example ');
    expect(policy).toContain('frame-ancestors https://app.partner.example https://*.partner.example;');
    expect(policy).toContain("script-src 'self';");
  });

  it('accepts https origins (with a wildcard subdomain or a port) and refuses anything else, naming the variable', () => {
    const load = (value: string) => () =>
      loadConfig(AdminApiConfig, { ...env, GATEWAY_CONSOLE_FRAME_ANCESTORS: value });
    expect(load('https://app.partner.example https://*.partner.example:8443')().GATEWAY_CONSOLE_FRAME_ANCESTORS).toBe(
      'https://app.partner.example https://*.partner.example:8443',
    );
    expect(loadConfig(AdminApiConfig, env).GATEWAY_CONSOLE_FRAME_ANCESTORS).toBe('');
    for (const bad of ['*', 'http://partner.example', "'self'; script-src *", 'https://partner.example/path'])
      expect(load(bad)).toThrow(/GATEWAY_CONSOLE_FRAME_ANCESTORS must be space-separated https:\/\/ origins/);
  });
});
