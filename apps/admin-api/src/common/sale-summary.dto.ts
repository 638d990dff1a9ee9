import { ApiProperty } from '@nestjs/swagger';
import type { SaleSummary } from '@gateway/contracts';

/** A sale as a merchant recognises it in a list (libs/contracts sale-summary.ts says where each field comes from). */
export class SaleSummaryResponse implements SaleSummary {
  @ApiProperty({ nullable: true, type: String, example: 'KNK-0045' }) receiptNumber: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 15.5 }) total: number | null;
  @ApiProperty({ nullable: true, type: String, example: 'USD' }) currency: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'cash' }) paymentMethod: string | null;
}

export const SALE_DOC = {
  type: SaleSummaryResponse,
  nullable: true,
  description: 'For a sale (Kaynko sale.completed and sale.voided, DigiTax sale.sync): what identifies it; else null.',
} as const;
