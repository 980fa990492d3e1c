export * from './decider-spec';
export * from './platform-client';
export * from './eventually';
