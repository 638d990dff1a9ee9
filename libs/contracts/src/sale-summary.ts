/**
 * What a merchant recognises a sale by in a list — its receipt number, total with currency and payment method — read
 * from the event types that are sales. One owner for which fields those are, per provider.
 */
export interface SaleSummary {
  receiptNumber: string | null;
  total: number | null;
  currency: string | null;
  paymentMethod: string | null;
}

/** The fields of `data` a summary reads, so a list can select just these rather than whole payloads. */
export const SALE_SUMMARY_FIELDS = [
  'receiptNumber',
  'total',
  'currency',
  'paymentMethod',
  'trader_invoice_number',
  'receipt_number',
] as const;

const text = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
const amount = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** The sale's summary, or null for an event that is not a sale. `data` may hold only SALE_SUMMARY_FIELDS. */
export function saleSummaryOf(type: string, data: unknown): SaleSummary | null {
  const d = (data ?? {}) as Record<string, unknown>;
  switch (type) {
    case 'kaynko.sale.completed':
    case 'kaynko.sale.voided':
      return {
        receiptNumber: text(d['receiptNumber']),
        total: amount(d['total']),
        currency: text(d['currency']),
        paymentMethod: text(d['paymentMethod']),
      };
    case 'digitax.sale.sync':
      // eTIMS names the trader's own invoice number (the merchant's receipt) when the POS sent one; the tax summary
      // holds amounts per band, not a total with a currency.
      return {
        receiptNumber: text(d['trader_invoice_number']) ?? text(d['receipt_number']),
        total: null,
        currency: null,
        paymentMethod: null,
      };
    default:
      return null;
  }
}
