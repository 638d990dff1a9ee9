export * from './batch-consumer';
export * from './broadcast-subscriber';
export * from './change-fed-cache';
export * from './config-change-listener';
export * from './dead-letter.publisher';
export * from './kafka-connection';
export * from './message-producer';
export * from './messaging.module';
