import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ConfigChangeV1Message, Topics } from '@gateway/contracts';
import { BatchPattern } from '@gateway/messaging';
import { EndpointCache } from './endpoint-cache';

/**
 * Configuration changes (admin-api's, and fan-out's disabling of an endpoint), every one on every instance, in
 * order: each refreshes the endpoint it names in EndpointCache. A change that cannot be applied yet (PostgreSQL
 * unreachable) is tried again by the transport, and requests waiting for `current()` wait for it.
 */
@Controller()
export class ConfigChangesController {
  constructor(private readonly cache: EndpointCache) {}

  @BatchPattern(Topics.configChanges, { contract: ConfigChangeV1Message, broadcast: true })
  async apply(@Payload() changes: ConfigChangeV1Message[]): Promise<void> {
    for (const change of changes) await this.cache.applyChange(change);
  }
}
