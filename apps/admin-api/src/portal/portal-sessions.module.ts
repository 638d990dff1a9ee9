import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module';
import { PortalSessionsController } from './portal-sessions.controller';
import { PortalSessionsRepository } from './portal-sessions.repository';
import { PortalSessionsService } from './portal-sessions.service';

@Module({
  imports: [TenantsModule],
  controllers: [PortalSessionsController],
  providers: [PortalSessionsService, PortalSessionsRepository],
})
export class PortalSessionsModule {}
