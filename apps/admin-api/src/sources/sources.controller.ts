import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { RequireScope, TenantId } from '../auth/auth.decorators';
import { PageQuery } from '../common/pagination';
import { SourcesService } from './sources.service';
import { Doc, PageOf } from '../common/api-doc';
import { CreateSourceDto, SourceResponse, UpdateSourceDto } from './sources.dto';

@ApiTags('Sources')
@ApiBearerAuth()
@Controller('v1/sources')
export class SourcesController {
  constructor(private readonly sources: SourcesService) {}

  @Doc({
    summary: 'Create a source (a provider account that sends events)',
    status: 201,
    type: SourceResponse,
    errors: [400, 503],
  })
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

  @Doc({ summary: 'List sources', type: PageOf(SourceResponse), errors: [400] })
  @Get()
  @RequireScope('sources:read')
  list(@TenantId() tenantId: string, @Query() query: PageQuery) {
    return this.sources.list(tenantId, query);
  }

  @Doc({ summary: 'Get a source', type: SourceResponse, errors: [404], links: { id: SourceResponse } })
  @Get(':id')
  @RequireScope('sources:read')
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.get(tenantId, id);
  }

  @Doc({ summary: 'Update a source', type: SourceResponse, errors: [400, 404, 503], links: { id: SourceResponse } })
  @Patch(':id')
  @ApiBody({
    type: UpdateSourceDto,
    required: false,
    description: 'Only the fields to change; an absent body changes nothing.',
  })
  @RequireScope('sources:write')
  update(@TenantId() tenantId: string, @Param('id') id: string, @Body() dto: UpdateSourceDto) {
    return this.sources.update(tenantId, id, dto);
  }

  @Doc({ summary: 'Enable a source', type: SourceResponse, errors: [404, 503], links: { id: SourceResponse } })
  @Post(':id/enable')
  @RequireScope('sources:write')
  @HttpCode(200)
  enable(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.update(tenantId, id, { enabled: true });
  }

  @Doc({
    summary: 'Disable a source: its callbacks are refused',
    type: SourceResponse,
    errors: [404, 503],
    links: { id: SourceResponse },
  })
  @Post(':id/disable')
  @RequireScope('sources:write')
  @HttpCode(200)
  disable(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.update(tenantId, id, { enabled: false });
  }

  @Doc({
    summary: "Issue a new URL token (the answer's ingestUrl carries it)",
    description:
      'For a Kaynko source without a secret, or DigiTax: the old token is refused at once; the answer shows the ingestUrl with the new one, once.',
    type: SourceResponse,
    errors: [400, 404, 503],
    links: { id: SourceResponse },
  })
  @Post(':id/rotate-token')
  @RequireScope('sources:write')
  @HttpCode(200)
  rotateToken(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.rotateToken(tenantId, id);
  }

  @Doc({ summary: 'Delete a source', status: 204, errors: [404, 503], links: { id: SourceResponse } })
  @Delete(':id')
  @RequireScope('sources:write')
  @HttpCode(204)
  delete(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.sources.delete(tenantId, id);
  }
}
