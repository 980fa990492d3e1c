import { Benchmark } from './lib';
export const bookingToReplayLatency: Benchmark = { name: 'booking-to-replay', title: 'todo', measures: 'todo', run: async () => ({ tables: [], notes: [], skipped: 'todo' }) };
