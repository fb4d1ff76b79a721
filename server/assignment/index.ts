export * from './payload';
export * from './assigner';
export * from './features-source';
