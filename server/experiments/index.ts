export * from './experiment-types';
export * from './experiments-repository';
export * from './experiments-service';
export * from './api-keys-service';
export * from './params-validator';
