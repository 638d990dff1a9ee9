export * from './kaynko-signature';
export * from './standard-webhooks';
