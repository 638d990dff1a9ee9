import { Injectable } from '@nestjs/common';
import { FieldError } from '@gateway/contracts';
import { BodyRules } from '@gateway/http';
import { UrlGuard } from '@gateway/security';
import type { CreateSourceDto } from './sources.dto';

/**
 * A new source's fields that depend on its provider: DigiTax takes no secret (its ingestUrl carries a token), only
 * Qerko takes a config, and Qerko's API base URL — called with the restaurant's key — passes the SSRF guard.
 */
@Injectable()
export class SourceRules implements BodyRules<CreateSourceDto> {
  constructor(private readonly urlGuard: UrlGuard) {}

  async check(dto: CreateSourceDto, valid: (field: string) => boolean): Promise<FieldError[]> {
    const problems: FieldError[] = [];
    if (!valid('provider')) return problems;
    if (dto.provider === 'digitax' && dto.secret !== undefined) {
      problems.push({
        field: 'secret',
        reason: 'DigiTax cannot sign callbacks: its ingestUrl carries a token instead',
      });
    }
    if (dto.provider !== 'qerko' && dto.config !== undefined) {
      problems.push({ field: 'config', reason: 'only Qerko sources take a config' });
    } else if (typeof dto.config?.apiBaseUrl === 'string' && valid('config.apiBaseUrl')) {
      problems.push(...(await qerkoUrlProblems(this.urlGuard, dto.config.apiBaseUrl)));
    }
    return problems;
  }
}

/** Qerko's API base URL is called with the restaurant's key: the same SSRF rules as subscriber endpoints. */
export async function qerkoUrlProblems(urlGuard: UrlGuard, url: string): Promise<FieldError[]> {
  const check = await urlGuard.check(url);
  return check.ok ? [] : [{ field: 'config.apiBaseUrl', reason: check.reason }];
}
