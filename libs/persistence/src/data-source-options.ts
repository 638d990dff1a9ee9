import { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
import { DeliveryEntity } from './entities/delivery.entity';
import { EndpointEntity } from './entities/endpoint.entity';
import { EventEntity } from './entities/event.entity';
import { SourceEntity } from './entities/source.entity';
import { TenantEntity } from './entities/tenant.entity';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema';
import { EndpointFailingSince1763900000000 } from './migrations/1763900000000-endpoint-failing-since';
import { Replays1764000000000 } from './migrations/1764000000000-replays';
import { QerkoRequests1764100000000 } from './migrations/1764100000000-qerko-requests';
import { QerkoRequestsReceived1764200000000 } from './migrations/1764200000000-qerko-requests-received';
import { FanoutInstances1764300000000 } from './migrations/1764300000000-fanout-instances';
import { FirstAttemptInDelivery1764400000000 } from './migrations/1764400000000-first-attempt-in-delivery';
import { IdsCollateC1764500000000 } from './migrations/1764500000000-ids-collate-c';
import { EndpointHeadersSealed1764600000000 } from './migrations/1764600000000-endpoint-headers-sealed';
import { IdempotencyKeys1764700000000 } from './migrations/1764700000000-idempotency-keys';
import { PartitionByDay1764900000000 } from './migrations/1764900000000-partition-by-day';
import { TenantRetention1765000000000 } from './migrations/1765000000000-tenant-retention';
import { ExpiredEventFilters1765100000000 } from './migrations/1765100000000-expired-event-filters';
import { EndpointFilter1765200000000 } from './migrations/1765200000000-endpoint-filter';
import { EndpointRetrySchedule1765300000000 } from './migrations/1765300000000-endpoint-retry-schedule';
import { OrderedEndpoints1765400000000 } from './migrations/1765400000000-ordered-endpoints';
import { LaneIndexes1765450000000 } from './migrations/1765450000000-lane-indexes';
import { EndpointSignatureScheme1765500000000 } from './migrations/1765500000000-endpoint-signature-scheme';
import { PortalSessions1765600000000 } from './migrations/1765600000000-portal-sessions';
import { EventSearch1765700000000 } from './migrations/1765700000000-event-search';
import { Recoveries1765800000000 } from './migrations/1765800000000-recoveries';
import { QerkoUuidIndex1765900000000 } from './migrations/1765900000000-qerko-uuid-index';
import { PortalSessionEntity } from './entities/portal-session.entity';
import { QerkoRequestEntity } from './entities/qerko-request.entity';
import { ReplayEntity } from './entities/replay.entity';

export const ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  SourceEntity,
  EndpointEntity,
  EventEntity,
  DeliveryEntity,
  DeliveryAttemptEntity,
  ReplayEntity,
  QerkoRequestEntity,
  PortalSessionEntity,
];

/** Migrations in order. The schema changes only through these, never through `synchronize`. */
export const MIGRATIONS = [
  InitialSchema1763800000000,
  EndpointFailingSince1763900000000,
  Replays1764000000000,
  QerkoRequests1764100000000,
  QerkoRequestsReceived1764200000000,
  FanoutInstances1764300000000,
  FirstAttemptInDelivery1764400000000,
  IdsCollateC1764500000000,
  EndpointHeadersSealed1764600000000,
  IdempotencyKeys1764700000000,
  PartitionByDay1764900000000,
  TenantRetention1765000000000,
  ExpiredEventFilters1765100000000,
  EndpointFilter1765200000000,
  EndpointRetrySchedule1765300000000,
  OrderedEndpoints1765400000000,
  LaneIndexes1765450000000,
  EndpointSignatureScheme1765500000000,
  PortalSessions1765600000000,
  EventSearch1765700000000,
  Recoveries1765800000000,
  QerkoUuidIndex1765900000000,
];

/** The one set of DataSource options shared by every Nest app and by `npm run db:migrate`. */
export function dataSourceOptions(url: string, overrides: { poolSize?: number; applicationName?: string } = {}) {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    extra: {
      max: overrides.poolSize ?? 10,
      application_name: overrides.applicationName ?? 'pos-event-gateway',
      connectionTimeoutMillis: 5000,
    },
  } satisfies DataSourceOptions;
}
