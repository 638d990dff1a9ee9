import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Length,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsOmittable } from '@gateway/contracts';
import { CheckedBy } from '@gateway/http';
import { SourceRules } from './source.rules';

export const SOURCE_PROVIDERS = ['kaynko', 'digitax', 'qerko'] as const;

export class QerkoSourceConfigDto {
  @ApiProperty({
    example: 'https://sandbox.qerko.com/api/v4',
    description: "Qerko's API base URL; replies go to {apiBaseUrl}/reply.",
  })
  @IsString()
  @MaxLength(2048)
  apiBaseUrl: string;

  @ApiProperty({ example: '7d0a3c9e-3f5e-4b7a-9a53-0c9b1f1e2d3c', description: 'Sent as the Pos-Id header.' })
  @IsUUID()
  posId: string;
}

@CheckedBy(SourceRules)
export class CreateSourceDto {
  @ApiProperty({ enum: SOURCE_PROVIDERS })
  @IsIn(SOURCE_PROVIDERS)
  provider: (typeof SOURCE_PROVIDERS)[number];

  @ApiProperty({ example: 'Shop 1' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({
    description:
      "Kaynko: the Secret Key set in the app (signatures are verified when set; strongly recommended — without it the ingestUrl carries a token, shown only in this response). Qerko: the restaurant's Qerko API key (required). Not used for DigiTax.",
    writeOnly: true,
  })
  @ValidateIf((o: CreateSourceDto) => o.provider === 'qerko' || o.secret !== undefined)
  @IsString()
  @Length(8, 512)
  secret?: string;

  @ApiPropertyOptional({ type: QerkoSourceConfigDto, description: 'Qerko only (required there).' })
  @ValidateIf((o: CreateSourceDto) => o.provider === 'qerko' || o.config !== undefined)
  @ValidateNested()
  @Type(() => QerkoSourceConfigDto)
  config?: QerkoSourceConfigDto;

  @ApiPropertyOptional({ default: true })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateSourceDto {
  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 8,
    maxLength: 512,
    writeOnly: true,
    nullable: true,
    description:
      'Kaynko: null removes the secret (the answer then shows the ingestUrl with its token, once). Qerko: the API key; required again in a request that changes config.apiBaseUrl, which receives it.',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Length(8, 512)
  secret?: string | null;

  @ApiPropertyOptional({ type: QerkoSourceConfigDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => QerkoSourceConfigDto)
  config?: QerkoSourceConfigDto;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}

export class SourceResponse {
  @ApiProperty({ example: 'src_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty({ enum: SOURCE_PROVIDERS }) provider: string;
  @ApiProperty() name: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({
    example: 'https://gateway.example.com/v1/ingest/kaynko/src_0Hc3bQ2xk9aBcDeFgHjKmNpQr',
    description:
      'The URL to paste into the provider. DigiTax: always with its token. Kaynko without a secret: with its token in the answers of the calls that set one (create, removing the secret, rotate-token) only, like a key; elsewhere without it.',
  })
  ingestUrl: string;
  @ApiProperty({
    enum: ['signature', 'url_token', 'none'],
    description:
      'How ingest tells a genuine callback: its signature (a secret is set), the token in the ingestUrl, or nothing (a Kaynko source created before tokens; rotate-token gives it one).',
  })
  authentication: 'signature' | 'url_token' | 'none';
  @ApiProperty({ description: 'Whether a secret is set (the secret itself is never returned).' }) hasSecret: boolean;
  @ApiProperty({ type: Object }) config: { apiBaseUrl?: string; posId?: string };
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description:
      'When the provider last proved it sends from this source: a request signed with its secret or carrying its URL token, or (Kaynko) the Test ping. Null until the first one.',
  })
  verifiedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastSeenAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
