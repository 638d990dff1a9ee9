import { IsIn, IsISO8601, IsString } from 'class-validator';

export const CONFIG_CHANGE_SCHEMA = 'config-change.v1';
export const CONFIG_ENTITIES = ['tenant', 'api-key', 'source', 'endpoint'] as const;
export type ConfigEntity = (typeof CONFIG_ENTITIES)[number];

/**
 * Published by admin-api on `gateway.config-changes.v1` after every committed change.
 * It names what changed, never the secret: readers reload that one row, so the newest state always wins.
 */
export interface ConfigChangeV1 {
  schema: typeof CONFIG_CHANGE_SCHEMA;
  entity: ConfigEntity;
  id: string;
  tenantId: string;
  op: 'upserted' | 'deleted';
  at: string;
}

export class ConfigChangeV1Message implements ConfigChangeV1 {
  @IsIn([CONFIG_CHANGE_SCHEMA])
  schema: typeof CONFIG_CHANGE_SCHEMA;

  @IsIn(CONFIG_ENTITIES)
  entity: ConfigEntity;

  @IsString()
  id: string;

  @IsString()
  tenantId: string;

  @IsIn(['upserted', 'deleted'])
  op: 'upserted' | 'deleted';

  @IsISO8601()
  at: string;
}
