export * from './batch-consumer';
export * from './broadcast-subscriber';
export * from './change-fed-cache';
export * from './dead-letter.publisher';
export * from './kafka-connection';
export * from './message-producer';
export * from './messaging.module';
export * from './transport';
