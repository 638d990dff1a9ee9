import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsInstant, IsOmittable } from '@gateway/contracts';
import { PageQuery } from '../common/pagination';
import { DeliveryResponse } from '../deliveries/deliveries.dto';
import { SALE_DOC, SaleSummaryResponse } from '../common/sale-summary.dto';

export class EventsFilter {
  @ApiPropertyOptional({
    example: 'KNK-0045',
    description:
      'Finds events by an identifier a merchant knows, exactly or by its start: a Kaynko `receiptNumber` or `saleId`, a DigiTax `trader_invoice_number`, `invoice_number` or `receipt_number`, or the event id.',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ example: 'kaynko.sale.completed' })
  @IsOmittable()
  @Matches(/^[a-z]+(\.[A-Za-z_]+)+$/, { message: 'type must be an event type such as kaynko.sale.completed' })
  type?: string;

  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(64) sourceId?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Received at or after' })
  @IsOmittable()
  @IsInstant()
  since?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Received before' })
  @IsOmittable()
  @IsInstant()
  until?: string;
}

/** Filters plus the export's layout. */
export class EventsExportQuery extends EventsFilter {
  @ApiPropertyOptional({
    example: 'items',
    description:
      'With `type`: one row per element of this list of the event (`items` of a Kaynko sale), each with its event id and receipt number, instead of one row per event.',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(100)
  rows?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'Start the file with a UTF-8 byte order mark, for Excel (default false).',
  })
  @IsOmittable()
  @IsIn(['true', 'false'])
  bom?: 'true' | 'false';
}

/** Filters plus `limit` and `cursor`. */
export class EventsQuery extends IntersectionType(PageQuery, EventsFilter) {}

export class EventResponse {
  @ApiProperty({ example: 'evt_a512bea71a9b97d6f84434e6e78bcb29' }) id: string;
  @ApiProperty({ example: 'kaynko.sale.completed' }) type: string;
  @ApiProperty({ enum: ['kaynko', 'digitax', 'qerko', 'gateway'] }) provider: string;
  @ApiProperty() sourceId: string;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) occurredAt: string | null;
  @ApiProperty(SALE_DOC) sale: SaleSummaryResponse | null;
  @ApiProperty({
    type: Object,
    description: "The provider's payload, validated against the type's schema (GET /v1/event-types).",
    example: {
      saleId: 42,
      receiptNumber: 'KNK-0042',
      cashierId: 1,
      subtotal: 15.5,
      discountAmount: 0,
      vatAmount: 0,
      total: 15.5,
      paymentMethod: 'cash',
      currency: 'USD',
      customerName: 'Jane Smith',
      customerType: 'retail',
      createdAt: '2026-06-11T14:30:00.000Z',
      items: [{ productName: 'Cooking Oil 2L', productCode: 'SKU-001', quantity: 2, unitPrice: 3.5, lineTotal: 7.0 }],
    },
  })
  data: Record<string, unknown>;
}

export class EventDetailResponse extends EventResponse {
  @ApiProperty({ type: [DeliveryResponse], description: 'Its deliveries, one per endpoint it went to.' })
  deliveries: DeliveryResponse[];
}
