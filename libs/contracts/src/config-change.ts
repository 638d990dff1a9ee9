import { IsIn, IsISO8601, IsString } from 'class-validator';
import { readMessage } from './read-message';
import { CompiledRules } from './validation';

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

@CompiledRules()
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

/** A record of `gateway.config-changes.v1` as the change, or why it is not one. */
export function readConfigChange(value: Buffer | null): ConfigChangeV1 | string {
  return readMessage(
    value,
    ConfigChangeV1Message,
    ['schema', 'entity', 'id', 'tenantId', 'op', 'at'],
    CONFIG_CHANGE_SCHEMA,
  );
}
