import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, IsString, Length } from 'class-validator';
import { SCOPES, type Scope, IsOmittable } from '@gateway/contracts';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Back office' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({
    enum: SCOPES,
    isArray: true,
    description:
      'Omit for every scope the caller holds (the operator key: every scope). A tenant key may grant only scopes it holds (else 403).',
  })
  @IsOmittable()
  @IsArray()
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes?: Scope[];
}

export class ApiKeyResponse {
  @ApiProperty({ example: 'key_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'gw_live_Ab12Cd', description: 'The first characters of the key, to tell keys apart.' })
  prefix: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes: string[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt: string | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({
    description: 'The key itself: shown this once, never again. It cannot be recovered, only regenerated.',
  })
  key: string;
}
