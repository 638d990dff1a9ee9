export * from './fixtures/digitax';
export * from './fixtures/kaynko';
export * from './gateway';
export * from './http';
export * from './infra';
export * from './receiver';
export * from './dedicated-broker';
export * from './tcp-proxy';
