export * from './kaynko-signature';
export * from './standard-webhooks';
export * from './asymmetric-keys';
