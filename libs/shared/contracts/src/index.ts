export * from './envelope';
export * from './common';
export * from './topics';
export * from './booking.events';
export * from './signalling.events';
export * from './recording.events';
export * from './replay.events';
export * from './events';
