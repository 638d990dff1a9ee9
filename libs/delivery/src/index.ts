export * from './custom-headers';
export * from './delivery-target';
export * from './http-sender';
export * from './render';
