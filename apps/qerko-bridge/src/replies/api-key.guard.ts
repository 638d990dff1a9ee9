import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { IsNull, Repository } from 'typeorm';
import { ApiError } from '@gateway/http';
import { ApiKeyEntity } from '@gateway/persistence';
import { hashApiKey } from '@gateway/security';

/** Tenant API keys holding `qerko:reply` (401 without a valid key, 403 without the scope). */
@Injectable()
export class QerkoReplyGuard implements CanActivate {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { tenantId?: string }>();
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(request.headers.authorization ?? '');
    if (!match) throw ApiError.unauthorized('Missing or invalid credentials: send "Authorization: Bearer <API key>".');
    const key = await this.keys.findOneBy({ keyHash: hashApiKey(match[1]!), revokedAt: IsNull() });
    if (!key) throw ApiError.unauthorized();
    if (!key.scopes.includes('qerko:reply')) throw ApiError.forbidden('This API key lacks the "qerko:reply" scope.');
    request.tenantId = key.tenantId;
    return true;
  }
}
