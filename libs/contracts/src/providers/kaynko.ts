import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { CompiledRules, IsAmount, IsIntId, Nullable } from '../validation';

/**
 * Kaynko POS webhooks, exactly as the provider documents them: envelope `{event, data, timestamp}`,
 * `X-Kaynko-Event` and `X-Kaynko-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`.
 * Types and nullability follow the seed's examples and tables; unknown extra fields are kept, never trusted.
 */
export const KAYNKO_PAYMENT_METHODS = ['cash', 'mobile_money', 'bank_transfer', 'card', 'credit', 'other'] as const;
export const KAYNKO_CUSTOMER_TYPES = ['retail', 'wholesale'] as const;

const ISO = { strict: true, strictSeparator: true } as const;

export class KaynkoSaleItem {
  @IsString()
  @MaxLength(500)
  productName: string;

  @Nullable()
  @IsString()
  @MaxLength(200)
  productCode: string | null;

  @IsAmount()
  quantity: number;

  @IsAmount()
  unitPrice: number;

  @IsAmount()
  lineTotal: number;
}

@CompiledRules()
export class KaynkoSaleCompletedData {
  @IsIntId() saleId: number;
  @IsString() @MaxLength(100) receiptNumber: string;
  @IsIntId() cashierId: number;
  @IsAmount() subtotal: number;
  @IsAmount() discountAmount: number;
  @IsAmount() vatAmount: number;
  @IsAmount() total: number;
  @IsIn(KAYNKO_PAYMENT_METHODS) paymentMethod: (typeof KAYNKO_PAYMENT_METHODS)[number];
  @IsString() @Length(3, 3) @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' }) currency: string;
  @Nullable() @IsString() @MaxLength(500) customerName: string | null;
  @Nullable() @IsIn(KAYNKO_CUSTOMER_TYPES) customerType: (typeof KAYNKO_CUSTOMER_TYPES)[number] | null;
  @IsISO8601(ISO) createdAt: string;

  @IsArray()
  @ArrayMaxSize(10_000)
  // Each an object: ValidateNested alone lets a nested array (`[[]]`) through.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => KaynkoSaleItem)
  items: KaynkoSaleItem[];
}

@CompiledRules()
export class KaynkoSaleVoidedData {
  @IsIntId() saleId: number;
  @IsString() @MaxLength(100) receiptNumber: string;
  @IsAmount() total: number;
  @IsIn(KAYNKO_PAYMENT_METHODS) paymentMethod: (typeof KAYNKO_PAYMENT_METHODS)[number];
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' }) currency: string;
  @IsIntId() cashierId: number;
  /** Null when the original cashier voided their own sale. */
  @Nullable() @IsIntId() voidedByCashierId: number | null;
  @IsString() @MaxLength(2000) voidReason: string;
  @IsISO8601(ISO) voidedAt: string;
}

@CompiledRules()
export class KaynkoSessionOpenedData {
  @IsIntId() sessionId: number;
  @IsIntId() cashierId: number;
  @IsISO8601(ISO) sessionDate: string;
  @IsAmount() openingCash: number;
}

@CompiledRules()
export class KaynkoSessionClosedData {
  @IsIntId() sessionId: number;
  @IsIntId() cashierId: number;
  @IsISO8601(ISO) sessionDate: string;
  @IsAmount() closingCash: number;
}

@CompiledRules()
export class KaynkoDebtSettledData {
  @IsIntId() debtId: number;
  @IsAmount() paymentAmount: number;
  @IsIntId() cashierId: number;
}

@CompiledRules()
export class KaynkoProductData {
  @IsIntId() productId: number;
  @IsString() @MaxLength(500) productName: string;
  @Nullable() @IsString() @MaxLength(200) productCode: string | null;
  @IsIn(['created', 'updated']) action: 'created' | 'updated';
}

/** The Test button's request: the seed documents no fields, so any object is accepted. */
export class KaynkoPingData {}

export interface KaynkoEventSpec {
  /** The provider's own name, as in `X-Kaynko-Event`. */
  event: string;
  description: string;
  dataClass: new () => object;
  /** The seed's examples omit `timestamp` for session.* and product.* events. */
  timestampRequired: boolean;
}

export const KAYNKO_EVENTS: readonly KaynkoEventSpec[] = [
  {
    event: 'sale.completed',
    description: 'A sale is successfully recorded: receipt number, totals, payment method and line items.',
    dataClass: KaynkoSaleCompletedData,
    timestampRequired: true,
  },
  {
    event: 'sale.voided',
    description: 'A sale is voided. Stock is restored before this event fires.',
    dataClass: KaynkoSaleVoidedData,
    timestampRequired: true,
  },
  {
    event: 'session.opened',
    description: 'A cash session is opened with an opening float.',
    dataClass: KaynkoSessionOpenedData,
    timestampRequired: false,
  },
  {
    event: 'session.closed',
    description: 'A cash session is closed with the counted closing amount.',
    dataClass: KaynkoSessionClosedData,
    timestampRequired: false,
  },
  {
    event: 'debt.settled',
    description: 'A debt payment is recorded against a credit sale.',
    dataClass: KaynkoDebtSettledData,
    timestampRequired: true,
  },
  {
    event: 'product.created',
    description: 'A new product is added to the catalog.',
    dataClass: KaynkoProductData,
    timestampRequired: false,
  },
  {
    event: 'product.updated',
    description: 'An existing product is edited.',
    dataClass: KaynkoProductData,
    timestampRequired: false,
  },
  {
    event: 'ping',
    description:
      "Sent when the merchant taps Test in Kaynko's Settings → Integrations. Delivered only to endpoints that list kaynko.ping explicitly.",
    dataClass: KaynkoPingData,
    timestampRequired: false,
  },
];

/** The Kaynko envelope; `data` is validated separately with the event's own class. */
@CompiledRules()
export class KaynkoEnvelope {
  @IsString()
  @MaxLength(100)
  event: string;

  @IsObject()
  data: Record<string, unknown>;

  @IsOptional()
  @IsISO8601(ISO)
  timestamp?: string;
}
