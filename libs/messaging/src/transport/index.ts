export * from './batch-pattern.decorator';
export * from './contract-reader';
export * from './kafka-batch.context';
export * from './kafka-batch.transport';
export * from './kafka-event.client';
export * from './kafka-transport.constants';
export * from './kafka-transport.module';
