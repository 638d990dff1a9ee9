import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope, TenantId } from '../auth/auth.decorators';
import { PageQuery } from '../common/pagination';
import { CreateSourceDto, UpdateSourceDto } from './sources.dto';
import { SourcesService } from './sources.service';

@ApiTags('Sources')
@ApiBearerAuth()
@Controller('v1/sources')
export class SourcesController {
  constructor(private readonly sources: SourcesService) {}

  @Post()
  @RequireScope('sources:write')
  create(@TenantId() tenantId: string, @Body() dto: CreateSourceDto) {
    return this.sources.create(tenantId, dto);
  }

  @Get()
  @RequireScope('sources:read')
  list(@TenantId() tenantId: string, @Query() query: PageQuery) {
    return this.sources.list(tenantId, query);
  }

  @Get(':id')
  @RequireScope('sources:read')
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.get(tenantId, id);
  }

  @Patch(':id')
  @RequireScope('sources:write')
  update(@TenantId() tenantId: string, @Param('id') id: string, @Body() dto: UpdateSourceDto) {
    return this.sources.update(tenantId, id, dto);
  }

  @Post(':id/enable')
  @RequireScope('sources:write')
  @HttpCode(200)
  enable(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.update(tenantId, id, { enabled: true });
  }

  @Post(':id/disable')
  @RequireScope('sources:write')
  @HttpCode(200)
  disable(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.update(tenantId, id, { enabled: false });
  }

  @Delete(':id')
  @RequireScope('sources:write')
  @HttpCode(204)
  delete(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.delete(tenantId, id);
  }
}
