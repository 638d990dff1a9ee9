import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { QERKO_METHODS, IsOmittable } from '@gateway/contracts';
import { QERKO_REQUEST_STATES } from '@gateway/persistence';
import { PageQuery } from '../common/pagination';

export class QerkoRequestsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: QERKO_REQUEST_STATES })
  @IsOmittable()
  @IsIn(QERKO_REQUEST_STATES)
  state?: (typeof QERKO_REQUEST_STATES)[number];
  @ApiPropertyOptional({ enum: QERKO_METHODS })
  @IsOmittable()
  @IsIn(QERKO_METHODS)
  method?: (typeof QERKO_METHODS)[number];
}

export class QerkoTimelineEntryResponse {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ example: 'answered by the POS' }) what: string;
  @ApiPropertyOptional() detail?: string;
}

export class QerkoRequestResponse {
  @ApiProperty({ example: 'qrq_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty() sourceId: string;
  @ApiProperty({ description: "Qerko's request uuid" }) uuid: string;
  @ApiProperty({ enum: QERKO_METHODS }) method: string;
  @ApiProperty({ type: 'array', items: {}, description: 'The arguments as Qerko sent them: any JSON values.' })
  args: unknown[];
  @ApiProperty({ enum: QERKO_REQUEST_STATES }) state: string;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ format: 'date-time' }) deadlineAt: string;
  /** null in the enum too: OpenAPI 3.0's `nullable` does not widen an `enum` (validators refuse null otherwise). */
  @ApiProperty({ nullable: true, type: String, enum: ['sync-response', 'reply-api', null] }) answeredVia: string | null;
  @ApiProperty({ nullable: true, type: Number, description: "Qerko's status for our /reply" }) replyStatus:
    number | null;
  @ApiProperty({ nullable: true, type: String }) failureReason: string | null;
  @ApiProperty({ type: [QerkoTimelineEntryResponse] }) timeline: QerkoTimelineEntryResponse[];
}
