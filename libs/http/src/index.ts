export * from './api-error';
export * from './error.filter';
export * from './health.module';
export * from './validation';
export * from './configure-app';
export * from './rate-limiter';
export * from './metrics.module';
