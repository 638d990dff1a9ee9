import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { IsOmittable } from '@gateway/contracts';

export const PORTAL_MIN_SECONDS = 60;
export const PORTAL_MAX_SECONDS = 86_400;
export const PORTAL_DEFAULT_SECONDS = 3600;
export const PORTAL_MAX_ENDPOINTS = 100;

export class CreatePortalSessionDto {
  @ApiPropertyOptional({
    example: 'ten_0Hc3bQ2xk9aBcDeFgHjKmNpQr',
    description:
      "The tenant whose portal this is: required with the operator key; a tenant key makes its own tenant's.",
  })
  @IsOmittable()
  @IsString()
  @Length(1, 40)
  tenantId?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['ep_0Hc3bQ2xk9aBcDeFgHjKmNpQr'],
    description:
      "The only endpoints the session sees (with their deliveries, events and replays); omit for all of the tenant's, " +
      'including ones created later. A session limited to a list cannot create endpoints.',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(PORTAL_MAX_ENDPOINTS)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 40, { each: true })
  endpointIds?: string[];

  @ApiPropertyOptional({ minimum: PORTAL_MIN_SECONDS, maximum: PORTAL_MAX_SECONDS, default: PORTAL_DEFAULT_SECONDS })
  @IsOmittable()
  @IsInt()
  @Min(PORTAL_MIN_SECONDS)
  @Max(PORTAL_MAX_SECONDS)
  expiresInSeconds?: number;

  @ApiPropertyOptional({ default: false, description: 'Forbid every write (403): see, never change.' })
  @IsOmittable()
  @IsBoolean()
  readOnly?: boolean;
}

export class PortalSessionResponse {
  @ApiProperty({ example: 'pts_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty({
    example: 'https://gateway.example.com/console/#/portal/gw_link_…',
    description:
      'Hand this to the merchant (or load it in a frame). Its token is in the fragment, which browsers never send to a ' +
      'server; it can be opened once, until `expiresAt`.',
  })
  url: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class ExchangePortalTokenDto {
  @ApiProperty({ description: "The token from the link's fragment (after `#/portal/`)." })
  @IsString()
  @Length(1, 200)
  token: string;
}

export class PortalAccessResponse {
  @ApiProperty({ description: 'Send as `Authorization: Bearer <accessToken>` until `expiresAt`.' })
  accessToken: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class CurrentPortalSessionResponse {
  @ApiProperty() id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty({ description: "The tenant's name, for the portal's heading." }) tenantName: string;
  @ApiProperty({ type: [String], nullable: true, description: "null: all of the tenant's endpoints." })
  endpointIds: string[] | null;
  @ApiProperty() readOnly: boolean;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}
