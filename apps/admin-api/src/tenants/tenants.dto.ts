import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { IsOmittable } from '@gateway/contracts';

/** Allowed days of retention, for `retentionDays`. */
export const RETENTION_DAYS = { min: 1, max: 400 } as const;

const RETENTION_DESCRIPTION =
  'Days its events, deliveries and attempts are kept (a pending or retrying delivery is kept whatever its age). ' +
  "Without it, the deployment's default (GATEWAY_RETENTION_DAYS, 30 unless set).";

export class CreateTenantDto {
  @ApiProperty({ example: 'Mama Njeri Supermarket' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ minimum: RETENTION_DAYS.min, maximum: RETENTION_DAYS.max, description: RETENTION_DESCRIPTION })
  @IsOmittable()
  @IsInt()
  @Min(RETENTION_DAYS.min)
  @Max(RETENTION_DAYS.max)
  retentionDays?: number;
}

export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'Mama Njeri Supermarket' })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    minimum: RETENTION_DAYS.min,
    maximum: RETENTION_DAYS.max,
    description: `${RETENTION_DESCRIPTION} null goes back to the default.`,
  })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsInt()
  @Min(RETENTION_DAYS.min)
  @Max(RETENTION_DAYS.max)
  retentionDays?: number | null;
}

export class TenantResponse {
  @ApiProperty({ example: 'ten_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({
    minimum: RETENTION_DAYS.min,
    maximum: RETENTION_DAYS.max,
    description: 'Days its data is kept: its own setting, or the default.',
  })
  retentionDays: number;
  @ApiProperty({ description: "Whether retentionDays is the deployment's default (no setting of its own)." })
  retentionIsDefault: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
