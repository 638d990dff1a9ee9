// The one copy of the seed's sale for the benchmark's processes (libs/testing has the TypeScript fixtures).

/** The Kaynko seed's `sale.completed` example (shared/seeds/000_c99f442d9eae28c1.txt). */
export const SALE = {
  event: 'sale.completed',
  data: {
    saleId: 42,
    receiptNumber: 'KNK-0042',
    cashierId: 1,
    subtotal: 15.5,
    discountAmount: 0.0,
    vatAmount: 0.0,
    total: 15.5,
    paymentMethod: 'cash',
    currency: 'USD',
    customerName: 'Jane Smith',
    customerType: 'retail',
    createdAt: '2026-06-11T14:30:00.000Z',
    items: [{ productName: 'Cooking Oil 2L', productCode: 'SKU-001', quantity: 2, unitPrice: 3.5, lineTotal: 7.0 }],
  },
  timestamp: '2026-06-11T14:30:00.000Z',
};
