import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, MaxLength } from 'class-validator';
import { IsInstant, IsOmittable } from '@gateway/contracts';
import { DELIVERY_STATUSES } from '@gateway/persistence';
import { PageQuery } from '../common/pagination';
import { SALE_DOC, SaleSummaryResponse } from '../common/sale-summary.dto';

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({
    example: 'KNK-0045',
    description:
      'Deliveries of the events `GET /v1/events?q=` finds (the 1,000 newest such events): a receipt number, sale id, invoice number or event id, exactly or by its start.',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  q?: string;
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
  @ApiProperty(SALE_DOC) sale: SaleSummaryResponse | null;
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

/** The endpoint a delivery goes to, as it is now. */
export class DeliveryEndpointResponse {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty() url: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Why the gateway disabled it (e.g. 410 Gone).' })
  disabledReason: string | null;
}

export const DELIVERY_STATES = ['pending', 'retrying', 'succeeded', 'exhausted', 'failed'] as const;

export class DeliveryDetailResponse extends DeliveryResponse {
  @ApiProperty({
    enum: DELIVERY_STATES,
    description:
      '`status`, told apart for a person: `exhausted` — failed after the last step of its retry schedule; `failed` — ' +
      'stopped before that (its endpoint was disabled or deleted, or the receiver refused it for good); `retrying` — ' +
      'the next attempt is at `nextAttemptAt`.',
  })
  state: (typeof DELIVERY_STATES)[number];
  @ApiProperty({
    type: DeliveryEndpointResponse,
    nullable: true,
    description: 'Its endpoint as it is now; null once the endpoint is deleted.',
  })
  endpoint: DeliveryEndpointResponse | null;
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
