import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
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
  @ApiBody({
    type: CreateSourceDto,
    examples: {
      kaynko: {
        summary:
          'Kaynko POS shop (paste ingestUrl in Settings → Integrations, with the same Secret Key; without a secret the ingestUrl carries a token, shown in this answer only)',
        value: { provider: 'kaynko', name: 'Shop 1', secret: 'the-secret-key-set-in-the-kaynko-app' },
      },
      digitax: {
        summary: 'DigiTax eTIMS (ingestUrl is the callback_url, token included)',
        value: { provider: 'digitax', name: 'eTIMS' },
      },
      qerko: {
        summary: "Qerko restaurant (secret: the restaurant's Qerko API key)",
        value: {
          provider: 'qerko',
          name: 'Restaurant',
          secret: 'qerko-api-key',
          config: { apiBaseUrl: 'https://sandbox.qerko.com/api/v4', posId: '7d0a3c9e-3f5e-4b7a-9a53-0c9b1f1e2d3c' },
        },
      },
    },
  })
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

  /** A new URL token (Kaynko without a secret, DigiTax); the answer shows the ingestUrl with it, once. */
  @Post(':id/rotate-token')
  @RequireScope('sources:write')
  @HttpCode(200)
  rotateToken(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.rotateToken(tenantId, id);
  }

  @Delete(':id')
  @RequireScope('sources:write')
  @HttpCode(204)
  delete(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.delete(tenantId, id);
  }
}
