import { Benchmark } from './lib';
export const kafkaThroughput: Benchmark = { name: 'kafka-throughput', title: 'todo', measures: 'todo', run: async () => ({ tables: [], notes: [], skipped: 'todo' }) };
