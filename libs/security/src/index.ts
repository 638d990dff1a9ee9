export * from './api-keys';
export * from './compare';
export * from './random-id';
export * from './secret-box';
export * from './url-guard';
export * from './forbidden-urls';
