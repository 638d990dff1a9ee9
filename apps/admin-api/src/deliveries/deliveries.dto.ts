import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { IsInstant, IsOmittable } from '@gateway/contracts';
import { DELIVERY_STATUSES } from '@gateway/persistence';
import { PageQuery } from '../common/pagination';

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(64) endpointId?: string;
  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(64) eventId?: string;
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOmittable()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];
  @ApiPropertyOptional({ format: 'date-time' }) @IsOmittable() @IsInstant() since?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOmittable() @IsInstant() until?: string;
}

export class DeliveryResponse {
  @ApiProperty({ example: 'dlv_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty() eventId: string;
  @ApiProperty() eventType: string;
  @ApiProperty() endpointId: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty({ description: 'Attempts made so far.' }) attemptCount: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) nextAttemptAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) lastStatusCode: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Set when a replay job created it.' }) replayId:
    string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt: string | null;
}

export class AttemptResponse {
  @ApiProperty() id: string;
  @ApiProperty() number: number;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty() durationMs: number;
  @ApiProperty({ nullable: true, type: Number }) statusCode: number | null;
  @ApiProperty({ nullable: true, type: String }) errorClass: string | null;
  @ApiProperty({ nullable: true, type: String }) errorMessage: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Truncated response body.' }) responseBody: string | null;
  @ApiProperty({ nullable: true, type: Object }) timings: Record<string, number> | null;
}

export class DeliveryDetailResponse extends DeliveryResponse {
  @ApiProperty({
    type: [String],
    example: ['5s', '5m', '30m', '2h', '5h', '10h', '10h'],
    description:
      "The delays between its attempts, from its endpoint as it is now: the endpoint's own retrySchedule, or the " +
      "deployment's. Attempt n + 1 follows attempt n after step n (±20 %, or the receiver's Retry-After); after the " +
      'last step the delivery fails.',
  })
  retrySchedule: string[];
  @ApiProperty({ type: [AttemptResponse], description: 'Every attempt, oldest first.' }) attempts: AttemptResponse[];
}
