import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseServiceConfig, loadConfig } from '@gateway/config';
import { kafkaSecurity } from './kafka-connection';

const base = { DATABASE_URL: 'postgres://u@h/db' };
const load = (env: Record<string, string>) => kafkaSecurity(loadConfig(BaseServiceConfig, { ...base, ...env }));

describe('Kafka TLS and SASL settings (managed Kafka)', () => {
  it('uses neither by default', () => {
    expect(load({})).toEqual({});
  });

  it('turns on TLS with public CAs, or trusts the CA in KAFKA_SSL_CA_FILE', () => {
    expect(load({ KAFKA_SSL: 'true' })).toEqual({ ssl: true });
    const file = join(mkdtempSync(join(tmpdir(), 'kafka-ca-')), 'ca.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(load({ KAFKA_SSL_CA_FILE: file })).toEqual({ ssl: { ca: [expect.stringContaining('BEGIN CERTIFICATE')] } });
    expect(() => load({ KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' })).toThrow(/KAFKA_SSL_CA_FILE .* cannot be read/);
  });

  it('passes SASL PLAIN and SCRAM credentials', () => {
    const creds = { KAFKA_SASL_USERNAME: 'gateway', KAFKA_SASL_PASSWORD: 'pw' };
    expect(load({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', ...creds })).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'gateway', password: 'pw' },
    });
    expect(load({ KAFKA_SASL_MECHANISM: 'plain', ...creds }).sasl).toEqual({
      mechanism: 'plain',
      username: 'gateway',
      password: 'pw',
    });
  });

  it('refuses an unknown mechanism, and a mechanism without credentials, naming the variables', () => {
    expect(() => load({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM must be plain/);
    expect(() => load({ KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toThrow(
      /KAFKA_SASL_USERNAME is required[\s\S]*KAFKA_SASL_PASSWORD is required/,
    );
  });
});
