import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNotEmptyObject,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
  ValidationOptions,
  registerDecorator,
} from 'class-validator';
import { CompiledRules, IsAmount } from '../validation';

/**
 * DigiTax (Kenya eTIMS) callbacks: `{"event": "item.sync" | "sale.sync", "data": {...}}`, unsigned, no retries.
 * Quirks from the provider's example vs its OpenAPI (shared/PROVIDERS.md): the sale id is `digitax_id` or `id`;
 * receipt and invoice numbers are strings or integers; `date` is dd/mm/yyyy and `time` like `07:45:34 pm`; credit
 * notes carry negative amounts and rates. Because DigiTax never retries, only what identifies the record and its
 * money is required; every other field is type-checked when present.
 */
export const DIGITAX_QUEUE_STATUSES = [
  'queued',
  'un_queued',
  'in_progress',
  'completed',
  'failed',
  'paused',
  'submitted',
] as const;
/** KRA tax types: A exempt, B 16 % VAT, C zero-rated, D non-VAT, E 8 % VAT. */
export const KRA_TAX_TYPES = ['A', 'B', 'C', 'D', 'E'] as const;

/** A string or a safe integer (DigiTax's example and schema disagree). */
export function isStringOrInt(value: unknown): boolean {
  return (
    (typeof value === 'string' && value.length <= 100) || (typeof value === 'number' && Number.isSafeInteger(value))
  );
}

export function isDdMmYyyy(value: unknown): boolean {
  return typeof value === 'string' && parseDdMmYyyy(value) !== null;
}

export function IsStringOrInt(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStringOrInt',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a string or an integer', ...options },
      validator: { validate: isStringOrInt },
    });
}

/** `dd/mm/yyyy` naming a real calendar day. */
export function IsDdMmYyyy(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isDdMmYyyy',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a date as dd/mm/yyyy', ...options },
      validator: { validate: isDdMmYyyy },
    });
}

export function parseDdMmYyyy(text: string): { day: number; month: number; year: number } | null {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  if (!match) return null;
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? { day, month, year }
    : null;
}

export const DIGITAX_TIME = /^(0?[1-9]|1[0-2]):([0-5]\d):([0-5]\d) ?([ap]m)$/i;

/**
 * The moment a sale was synced, from DigiTax's local `date` and `time`. eTIMS runs on Kenya time (EAT, UTC+3,
 * no daylight saving): our documented assumption, since the callback carries no zone.
 */
export function digitaxSaleTime(date: string, time: string): string | null {
  const d = parseDdMmYyyy(date);
  const t = DIGITAX_TIME.exec(time.trim());
  if (!d || !t) return null;
  let hour = Number(t[1]) % 12;
  if (t[4]!.toLowerCase() === 'pm') hour += 12;
  return new Date(Date.UTC(d.year, d.month - 1, d.day, hour - 3, Number(t[2]), Number(t[3]))).toISOString();
}

@CompiledRules()
export class DigitaxItemSyncData {
  @IsString() @MaxLength(100) id: string;
  @IsString() @MaxLength(500) item_name: string;
  @IsIn(KRA_TAX_TYPES) tax_type_code: (typeof KRA_TAX_TYPES)[number];
  @IsAmount() default_unit_price: number;

  @IsOptional() @IsString() @MaxLength(50) item_class_code?: string;
  @IsOptional() @IsString() @MaxLength(10) item_type_code?: string;
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'origin_nation_code must be a 2-letter country code' })
  origin_nation_code?: string;
  @IsOptional() @IsString() @MaxLength(10) package_unit_code?: string;
  @IsOptional() @IsString() @MaxLength(10) quantity_unit_code?: string;
  @IsOptional() @IsString() @MaxLength(100) etims_item_code?: string;
  @IsOptional() @IsBoolean() is_stock_item?: boolean;
  @IsOptional() @IsAmount() running_balance?: number;
}

export class DigitaxSalesTaxSummary {
  @IsAmount() taxable_amount_a: number;
  @IsAmount() taxable_amount_b: number;
  @IsAmount() taxable_amount_c: number;
  @IsAmount() taxable_amount_d: number;
  @IsAmount() taxable_amount_e: number;
  @IsAmount() tax_rate_a: number;
  @IsAmount() tax_rate_b: number;
  @IsAmount() tax_rate_c: number;
  @IsAmount() tax_rate_d: number;
  @IsAmount() tax_rate_e: number;
  @IsAmount() tax_amount_a: number;
  @IsAmount() tax_amount_b: number;
  @IsAmount() tax_amount_c: number;
  @IsAmount() tax_amount_d: number;
  @IsAmount() tax_amount_e: number;
}

export class DigitaxSaleSyncData {
  /** The sale id as the provider's example names it; `id` is its OpenAPI name. One of the two is required. */
  @ValidateIf((o: DigitaxSaleSyncData) => o.digitax_id !== undefined || o.id === undefined)
  @IsString({ message: 'digitax_id (or id) must be a string' })
  @MaxLength(100)
  digitax_id?: string;

  @ValidateIf((o: DigitaxSaleSyncData) => o.id !== undefined)
  @IsString()
  @MaxLength(100)
  id?: string;

  @IsDdMmYyyy() date: string;
  @Matches(DIGITAX_TIME, { message: 'time must look like 07:45:34 pm' }) time: string;
  @IsStringOrInt() invoice_number: string | number;
  @IsStringOrInt() receipt_number: string | number;
  @IsIn(DIGITAX_QUEUE_STATUSES) queue_status: (typeof DIGITAX_QUEUE_STATUSES)[number];

  @IsObject()
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => DigitaxSalesTaxSummary)
  sales_tax_summary: DigitaxSalesTaxSummary;

  @IsOptional() @IsString() @MaxLength(200) trader_invoice_number?: string;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsStringOrInt() original_invoice_number?: string | number | null;
  @IsOptional() @IsString() @MaxLength(200) serial_number?: string;
  @IsOptional() @IsString() @MaxLength(2000) internal_data?: string;
  @IsOptional() @IsString() @MaxLength(200) receipt_signature?: string;
  @IsOptional() @IsString() @MaxLength(2000) etims_url?: string;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(2000) sale_detail_url?: string | null;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(50) customer_pin?: string | null;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(500) customer_name?: string | null;
}

export interface DigitaxEventSpec {
  event: string;
  description: string;
  dataClass: new () => object;
}

export const DIGITAX_EVENTS: readonly DigitaxEventSpec[] = [
  { event: 'item.sync', description: 'A business item was synced to KRA eTIMS.', dataClass: DigitaxItemSyncData },
  {
    event: 'sale.sync',
    description: 'A sale or a credit note (negative amounts and rates) was synced to KRA eTIMS.',
    dataClass: DigitaxSaleSyncData,
  },
];

@CompiledRules()
export class DigitaxEnvelope {
  @IsString()
  @MaxLength(100)
  event: string;

  @IsObject()
  data: Record<string, unknown>;
}
