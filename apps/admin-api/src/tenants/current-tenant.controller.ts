import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PortalAccess, RequireScope, TenantId } from '../auth/auth.decorators';
import { Doc } from '../common/api-doc';
import { TenantResponse } from './tenants.dto';
import { TenantsService } from './tenants.service';

/** The calling key's (or portal session's) own tenant, as tenants see it (the console shows its retention). */
@ApiTags('Account')
@ApiBearerAuth()
@Controller('v1/tenant')
export class CurrentTenantController {
  constructor(private readonly tenants: TenantsService) {}

  @Doc({
    summary: "The calling key's tenant",
    description:
      'Its name and `retentionDays`: how long its events, deliveries, attempts and Qerko requests are kept (set by the ' +
      'operator). Events older than that may be gone; a replay may not reach past it.',
    type: TenantResponse,
  })
  @Get()
  @RequireScope('events:read')
  @PortalAccess()
  get(@TenantId() tenantId: string) {
    return this.tenants.get(tenantId);
  }
}
