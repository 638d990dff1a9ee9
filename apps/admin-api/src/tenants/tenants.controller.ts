import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { OperatorOnly } from '../auth/auth.decorators';
import { PageQuery } from '../common/pagination';
import { TenantsService } from './tenants.service';
import { Doc, PageOf } from '../common/api-doc';
import { CreateTenantDto, TenantResponse, UpdateTenantDto } from './tenants.dto';

@ApiTags('Tenants')
@ApiBearerAuth()
@OperatorOnly()
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Doc({ summary: 'Create a tenant', status: 201, type: TenantResponse, errors: [400] })
  @Post()
  create(@Body() dto: CreateTenantDto) {
    return this.tenants.create(dto);
  }

  @Doc({ summary: 'List tenants', type: PageOf(TenantResponse), errors: [400] })
  @Get()
  list(@Query() query: PageQuery) {
    return this.tenants.list(query);
  }

  @Doc({ summary: 'Get a tenant', type: TenantResponse, errors: [404], links: { id: TenantResponse } })
  @Get(':id')
  get(@Param('id') id: string) {
    return this.tenants.get(id);
  }

  @Doc({ summary: 'Update a tenant', type: TenantResponse, errors: [400, 404], links: { id: TenantResponse } })
  @Patch(':id')
  @ApiBody({
    type: UpdateTenantDto,
    required: false,
    description: 'Only the fields to change; an absent body changes nothing.',
  })
  update(@Param('id') id: string, @Body() dto: UpdateTenantDto) {
    return this.tenants.update(id, dto);
  }

  @Doc({
    summary: 'Delete a tenant and everything it owns',
    status: 204,
    errors: [404],
    links: { id: TenantResponse },
  })
  @Delete(':id')
  @HttpCode(204)
  delete(@Param('id') id: string) {
    return this.tenants.delete(id);
  }
}
