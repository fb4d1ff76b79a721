export * from './payload';
export * from './assigner';
