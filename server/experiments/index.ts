export * from './experiment-types';
export * from './experiments-repository';
export * from './experiments-service';
export * from './api-keys-service';
export * from './in-memory-experiments-repository';
export * from './params-validator';
