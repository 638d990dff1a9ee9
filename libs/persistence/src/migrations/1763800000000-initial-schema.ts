import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id varchar(40) PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id varchar(40) PRIMARY KEY,
        tenant_id varchar(40) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix varchar(32) NOT NULL,
        key_hash char(64) NOT NULL UNIQUE,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE sources (
        id varchar(40) PRIMARY KEY,
        tenant_id varchar(40) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        provider varchar(16) NOT NULL CHECK (provider IN ('kaynko', 'digitax', 'qerko')),
        name text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        secret_sealed text,
        token_sealed text,
        config jsonb NOT NULL DEFAULT '{}'::jsonb,
        verified_at timestamptz,
        last_seen_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sources_tenant_idx ON sources (tenant_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE endpoints (
        id varchar(40) PRIMARY KEY,
        tenant_id varchar(40) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        url text NOT NULL,
        name text,
        description text,
        event_types text[] NOT NULL,
        format varchar(16) NOT NULL DEFAULT 'standard' CHECK (format IN ('standard', 'kaynko')),
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        timeout_ms integer NOT NULL DEFAULT 5000 CHECK (timeout_ms BETWEEN 100 AND 30000),
        rate_limit_per_second integer CHECK (rate_limit_per_second > 0),
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        secret_sealed text NOT NULL,
        previous_secret_sealed text,
        previous_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX endpoints_tenant_idx ON endpoints (tenant_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE events (
        id varchar(64) PRIMARY KEY,
        tenant_id varchar(40) NOT NULL,
        source_id varchar(40) NOT NULL,
        type varchar(80) NOT NULL,
        provider varchar(16) NOT NULL,
        received_at timestamptz NOT NULL,
        occurred_at timestamptz,
        data jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX events_tenant_received_idx ON events (tenant_id, received_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE deliveries (
        id varchar(40) PRIMARY KEY,
        event_id varchar(64) NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        endpoint_id varchar(40) NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
        tenant_id varchar(40) NOT NULL,
        event_type varchar(80) NOT NULL,
        replay_id varchar(40),
        status varchar(16) NOT NULL CHECK (status IN ('pending', 'retrying', 'succeeded', 'failed')),
        attempt_count integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_until timestamptz,
        last_status_code integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    // At most one live delivery per (event, endpoint): a re-consumed event never creates a second one.
    await q.query(
      `CREATE UNIQUE INDEX deliveries_live_once_idx ON deliveries (event_id, endpoint_id) WHERE replay_id IS NULL`,
    );
    await q.query(`CREATE INDEX deliveries_tenant_idx ON deliveries (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX deliveries_endpoint_idx ON deliveries (endpoint_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX deliveries_event_idx ON deliveries (event_id)`);
    // The retry queue: only unfinished rows, ordered by when they are due.
    await q.query(
      `CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying')`,
    );
    await q.query(`
      CREATE TABLE delivery_attempts (
        id varchar(40) PRIMARY KEY,
        delivery_id varchar(40) NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
        endpoint_id varchar(40) NOT NULL,
        number integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        status_code integer,
        error_class varchar(32),
        error_message text,
        response_body text,
        timings jsonb
      )`);
    await q.query(`CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, number)`);
    await q.query(`CREATE INDEX delivery_attempts_endpoint_idx ON delivery_attempts (endpoint_id, started_at DESC)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of ['delivery_attempts', 'deliveries', 'events', 'endpoints', 'sources', 'api_keys', 'tenants']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
