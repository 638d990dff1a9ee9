import { saleSummaryOf } from './sale-summary';

describe('saleSummaryOf', () => {
  it("reads a Kaynko sale's receipt number, total, currency and payment method", () => {
    const sale = {
      saleId: 42,
      receiptNumber: 'KNK-0042',
      total: 15.5,
      currency: 'USD',
      paymentMethod: 'cash',
      items: [],
    };
    expect(saleSummaryOf('kaynko.sale.completed', sale)).toEqual({
      receiptNumber: sale.receiptNumber,
      total: sale.total,
      currency: sale.currency,
      paymentMethod: sale.paymentMethod,
    });
    expect(saleSummaryOf('kaynko.sale.voided', { receiptNumber: 'KNK-0043', voidReason: 'x' })?.receiptNumber).toBe(
      'KNK-0043',
    );
  });

  it("names a DigiTax sale by the trader's invoice number, else eTIMS's receipt number", () => {
    expect(saleSummaryOf('digitax.sale.sync', { trader_invoice_number: 'INV-9', receipt_number: 77 })).toEqual({
      receiptNumber: 'INV-9',
      total: null,
      currency: null,
      paymentMethod: null,
    });
    expect(saleSummaryOf('digitax.sale.sync', { receipt_number: 77 })?.receiptNumber).toBe('77');
  });

  it('is null for events that are not sales, and never trusts a field of the wrong type', () => {
    expect(saleSummaryOf('kaynko.session.opened', { sessionId: 1 })).toBeNull();
    expect(saleSummaryOf('kaynko.sale.completed', { receiptNumber: {}, total: '5' })).toEqual({
      receiptNumber: null,
      total: null,
      currency: null,
      paymentMethod: null,
    });
  });
});
